-- Autovacuum switched off for written tables, and the dead rows that pile up. (Tables where
-- autovacuum is on but behind are planted in tests/checks/test_tables.py, which can keep
-- autovacuum away while it looks.)
-- scope: dead-tuples autovacuum-disabled
-- expect: dead-tuples public.bot_logs
-- expect: autovacuum-disabled public.bot_logs
-- expect: autovacuum-disabled public.audit_log
CREATE TABLE bot_logs (id bigint PRIMARY KEY, path text) WITH (autovacuum_enabled = false);
INSERT INTO bot_logs SELECT g, '/p' || g FROM generate_series(1, 20000) g;
DELETE FROM bot_logs WHERE id % 5 <> 0;
-- Written to, no dead rows (yet): autovacuum off is still reported.
CREATE TABLE audit_log (id bigint PRIMARY KEY, action text) WITH (autovacuum_enabled = off);
INSERT INTO audit_log SELECT g, 'login' FROM generate_series(1, 5000) g;
-- Quiet: autovacuum off on a table not written to since the statistics were reset (a frozen
-- archive); a small table with dead rows.
CREATE TABLE archive_2020 (id bigint PRIMARY KEY, action text) WITH (autovacuum_enabled = false);
INSERT INTO archive_2020 SELECT g, 'login' FROM generate_series(1, 5000) g;
SELECT pg_stat_force_next_flush();
VACUUM (FREEZE, ANALYZE) archive_2020;
SELECT pg_stat_reset_single_table_counters('archive_2020'::regclass);
CREATE TABLE services (id int PRIMARY KEY, name text);
INSERT INTO services SELECT g, 's' || g FROM generate_series(1, 500) g;
DELETE FROM services WHERE id > 100;
