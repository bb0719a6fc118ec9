-- Seed 001: telegram_id BIGINT UNIQUE plus a hand-written index on the same column;
-- bot_logs carries the same index twice under two names.
-- expect: duplicate-index public.idx_users_telegram_id on public.users
-- expect: duplicate-index public.idx_bot_logs_created_at_2 on public.bot_logs
-- (created_at DESC) is (created_at) scanned backwards: a duplicate too.
-- expect: duplicate-index public.bot_logs_created_desc on public.bot_logs
-- The copy that stays is itself a prefix of (created_at, path): reported once, as redundant.
-- expect: redundant-index public.idx_bot_logs_created_at on public.bot_logs
CREATE TABLE users (id serial PRIMARY KEY, telegram_id bigint UNIQUE, username varchar(100),
                    email text);
CREATE INDEX idx_users_telegram_id ON users (telegram_id);
CREATE TABLE bot_logs (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL,
                       is_blocked boolean NOT NULL DEFAULT false, path text);
CREATE INDEX idx_bot_logs_created_at ON bot_logs (created_at);
CREATE INDEX idx_bot_logs_created_at_2 ON bot_logs (created_at);
-- Look-alikes that are not duplicates: other column order, other predicate, other operator
-- class, other method.
CREATE INDEX bot_logs_path_created ON bot_logs (path, created_at);
CREATE INDEX bot_logs_created_path ON bot_logs (created_at, path);
CREATE INDEX bot_logs_created_blocked ON bot_logs (created_at) WHERE is_blocked;
CREATE INDEX bot_logs_created_desc ON bot_logs (created_at DESC);
CREATE INDEX users_email_pattern ON users (email text_pattern_ops);
CREATE INDEX users_email_plain ON users (email);
CREATE INDEX users_email_hash ON users USING hash (email);
