-- expect: none
CREATE VIEW active_users AS SELECT 1;
