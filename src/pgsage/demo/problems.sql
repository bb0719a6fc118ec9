-- The planted problems: each one a mistake the seed projects made or warned about.
-- (The invalid index needs a failing CREATE INDEX CONCURRENTLY outside a transaction, so
-- build.py plants it; the table without a primary key, the far-along int4 sequence and the
-- foreign keys without an index come from schema.sql, the data and indexes.sql.)
-- A line ending in "-- demo:vector" is kept only where pgvector is installed.

-- Seed 001 verbatim: "CREATE INDEX idx_users_telegram_id ON users(telegram_id)" next to
-- "telegram_id BIGINT UNIQUE" — a second index on what the unique constraint already indexes.
CREATE INDEX idx_users_telegram_id ON users (telegram_id);

-- The model has index=True on created_at (autogenerate's ix_bot_logs_created_at); seed 000's
-- migration plan then added idx_bot_logs_created_at, the same index under another name. The
-- planner takes the newer one, so the older copy is the one to drop.
CREATE INDEX idx_bot_logs_created_at ON bot_logs (created_at);

-- Seed 000's plan taken literally: (visit_date) next to (visit_date, page_path), which
-- already serves every look-up by visit_date.
CREATE INDEX idx_site_visits_visit_date ON site_visits (visit_date);

-- A "performance index" from seed 003's PERF_INDEXES for a report nobody runs any more:
-- megabytes written on every message, never read.
CREATE INDEX idx_dialog_messages_sender_timestamp ON dialog_messages (sender, "timestamp");

-- Seed 000's "check constraint price >= 0", added NOT VALID to avoid the table scan and
-- never validated.
ALTER TABLE services ADD CONSTRAINT services_price_check CHECK (price >= 0) NOT VALID;

-- Autovacuum switched off on a hot table "because it slowed the bot down", then a sync job
-- rewrote most rows: dead tuples pile up and the table bloats.
ALTER TABLE dialogs SET (autovacuum_enabled = false, toast.autovacuum_enabled = false);
UPDATE dialogs SET updated_at = updated_at + interval '1 second' WHERE id % 10 < 7;

-- Seed 002's "lists = sqrt(rows)" misapplied: lists sized for a million rows on a table of
-- ~20 thousand, so each list holds a handful of vectors and one probe finds few neighbours.
-- (Its k-means needs more than the default maintenance_work_mem; build.py raises it.)
CREATE INDEX knowledge_embeddings_embedding_l2_idx ON knowledge_embeddings USING ivfflat (embedding vector_l2_ops) WITH (lists = 1000); -- demo:vector
