-- scripts/db_optimization.sql — written by `pgsage report`; every fix of the report, in the
-- order it is safe to run:
--   1. INVALID indexes, 2. drops of duplicate and redundant indexes, 3. index creations,
--   4. table maintenance, 5. settings, 6. what needs a decision or a maintenance window
--      (commented out: never run by surprise).
-- Run it in autocommit, with no transaction block around it (CREATE/DROP INDEX CONCURRENTLY
-- cannot run inside one):  psql -v ON_ERROR_STOP=1 "$DATABASE_URL" -f scripts/db_optimization.sql
-- Each lock-taking statement follows a lock_timeout: it gives up rather than queue behind a
-- long transaction (run the script again later). The script is idempotent: IF [NOT] EXISTS,
-- REINDEX and ALTER ... SET change nothing the second time.

-- ==============================================================================================
-- 1. INVALID indexes: rebuilt, or dropped when a rebuild would fail
-- ==============================================================================================

-- fixes [invalid-index] public.uq_daily_stats_stat_date on public.daily_stats: index uq_daily_stats_stat_date on public.daily_stats is INVALID
SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY IF EXISTS "public"."uq_daily_stats_stat_date";
-- rebuild it once the duplicate rows are gone:
-- CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_daily_stats_stat_date ON public.daily_stats USING btree (stat_date);

-- ==============================================================================================
-- 2. Drops of duplicate and redundant indexes
-- ==============================================================================================

-- fixes [duplicate-index] public.idx_users_telegram_id on public.users: index idx_users_telegram_id duplicates users_telegram_id_key on public.users
SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY IF EXISTS "public"."idx_users_telegram_id";

-- fixes [duplicate-index] public.ix_bot_logs_created_at on public.bot_logs: index ix_bot_logs_created_at duplicates idx_bot_logs_created_at on public.bot_logs
SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY IF EXISTS "public"."ix_bot_logs_created_at";

-- fixes [redundant-index] public.idx_site_visits_visit_date on public.site_visits: index idx_site_visits_visit_date is a prefix of idx_site_visits_visit_date_page_path on public.site_visits
SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY IF EXISTS "public"."idx_site_visits_visit_date";

-- ==============================================================================================
-- 3. Index creations (CONCURRENTLY, after a lock_timeout)
-- ==============================================================================================

-- fixes [fk-without-index] public.ai_requests_application_id_fkey on public.ai_requests: foreign key ai_requests_application_id_fkey on public.ai_requests(application_id) has no index on its columns
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_requests_application_id_idx" ON "public"."ai_requests" ("application_id");

-- fixes [index-recommendation] public.applications: a btree index applications_created_at_idx on (created_at) cuts the planner's cost of 1 statement(s) from 57.3 to 21.9 (-62 %)
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS "applications_created_at_idx" ON "public"."applications" ("created_at");

-- fixes [index-recommendation] public.bot_logs: a composite index bot_logs_telegram_user_id_created_at_idx on (telegram_user_id, created_at) cuts the planner's cost of 1 statement(s) from 14.1 to 4…
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS "bot_logs_telegram_user_id_created_at_idx" ON "public"."bot_logs" ("telegram_user_id", "created_at");

-- fixes [index-recommendation] public.documents: a btree index documents_upload_date_idx on (upload_date) cuts the planner's cost of 1 statement(s) from 4.3 to 2.9 (-34 %)
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS "documents_upload_date_idx" ON "public"."documents" ("upload_date");

-- fixes [index-recommendation] public.knowledge_embeddings: a btree index knowledge_embeddings_document_id_idx on (document_id) cuts the planner's cost of 1 statement(s) from 30.9 to 9.8 (-68 %)
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS "knowledge_embeddings_document_id_idx" ON "public"."knowledge_embeddings" ("document_id");

-- fixes [index-recommendation] public.site_visits: a covering index site_visits_page_path_incl_visited_at_idx on (page_path) cuts the planner's cost of 1 statement(s) from 68.1 to 8.5 (-88 %)
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS "site_visits_page_path_incl_visited_at_idx" ON "public"."site_visits" ("page_path") INCLUDE ("visited_at");

-- fixes [index-recommendation] public.site_visits: a covering index site_visits_visited_at_incl_is_admin_page_path_idx on (visited_at) cuts the planner's cost of 1 statement(s) from 407.6 to 68.8 (-83…
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS "site_visits_visited_at_incl_is_admin_page_path_idx" ON "public"."site_visits" ("visited_at") INCLUDE ("is_admin", "page_path");

-- ==============================================================================================
-- 4. Table maintenance (validate constraints, storage parameters)
-- ==============================================================================================

-- fixes [autovacuum-disabled] public.dialogs: public.dialogs has autovacuum_enabled = false but 707 rows written (307 dead now); last vacuumed never
SET lock_timeout = '5s';
ALTER TABLE "public"."dialogs" RESET ("autovacuum_enabled");

-- fixes [not-valid-constraint] public.services_price_check on public.services: CHECK constraint services_price_check on public.services is NOT VALID: existing rows were never checked
SET lock_timeout = '5s';
ALTER TABLE "public"."services" VALIDATE CONSTRAINT "services_price_check";

-- ==============================================================================================
-- 5. Settings
-- ==============================================================================================

-- fixes [app-role-statement-timeout-unset] pgsage_pw_user: login role pgsage_pw_user has no statement_timeout and the server default is 0 (no limit)
ALTER ROLE "pgsage_pw_user" SET statement_timeout = '30s';

-- fixes [checkpoints-forced] max_wal_size: 12 of 12 checkpoints (100%) were requested rather than timed; max_wal_size is 1.0 GB
ALTER SYSTEM SET max_wal_size = '2GB';
SELECT pg_reload_conf();

-- fixes [idle-in-transaction-timeout-unset] idle_in_transaction_session_timeout: idle_in_transaction_session_timeout is 0 (disabled) and 1 login role(s) do not set it: pgsage_pw_user
ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min';
SELECT pg_reload_conf();
-- or only for the application roles:
-- ALTER ROLE "pgsage_pw_user" SET idle_in_transaction_session_timeout = '5min';

-- fixes [slow-query-log-off] log_min_duration_statement: log_min_duration_statement is -1: no statement is logged for being slow
ALTER SYSTEM SET log_min_duration_statement = 1000;
SELECT pg_reload_conf();

-- fixes [random-page-cost] random_page_cost: random_page_cost is 4: the planner prices random reads as on spinning disks
ALTER SYSTEM SET random_page_cost = 1.1;
SELECT pg_reload_conf();

-- ==============================================================================================
-- 6. Needs a decision or a maintenance window: commented out, never run by this script
-- ==============================================================================================

-- fixes [no-primary-key] public.daily_stats: public.daily_stats has no primary key and no unique index on NOT NULL columns that could become one
-- -- rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait): run it in a maintenance window
-- SET lock_timeout = '5s';
-- ALTER TABLE "public"."daily_stats" ADD COLUMN "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;

-- fixes [sequence-exhaustion] public.bot_logs_id_seq on public.bot_logs: sequence public.bot_logs_id_seq feeding public.bot_logs.id (integer) is at 1,790,000,200, 83.4 % of the integer column's limit (2,147,483,647); 357,4…
-- -- ALTER COLUMN ... TYPE bigint rewrites the table and its indexes under an ACCESS EXCLUSIVE lock
-- -- (reads and writes wait): plan a maintenance window, or migrate through a new column online.
-- SET lock_timeout = '5s';
-- ALTER TABLE "public"."bot_logs" ALTER COLUMN "id" TYPE bigint;
-- ALTER SEQUENCE "public"."bot_logs_id_seq" AS bigint;
