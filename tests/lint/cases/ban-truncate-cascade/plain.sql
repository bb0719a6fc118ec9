-- expect: none
TRUNCATE users, orders;
