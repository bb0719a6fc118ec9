-- expect: 2
DROP VIEW active_users;
