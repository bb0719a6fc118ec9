-- expect: 2
TRUNCATE users CASCADE;
