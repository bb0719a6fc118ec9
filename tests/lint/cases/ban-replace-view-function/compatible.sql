-- expect: none
CREATE VIEW active_users_v2 AS SELECT id FROM users WHERE active;
