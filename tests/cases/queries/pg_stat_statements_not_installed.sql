-- pg_stat_statements preloaded on the server but not created in this database.
-- expect: pg-stat-statements-missing pg_stat_statements
DROP EXTENSION pg_stat_statements;
CREATE TABLE users (id serial PRIMARY KEY, name text);
SELECT count(*) FROM users;
