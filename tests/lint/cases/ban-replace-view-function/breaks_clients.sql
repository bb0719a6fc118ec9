-- expect: 2
CREATE OR REPLACE VIEW active_users AS SELECT id FROM users WHERE active;
