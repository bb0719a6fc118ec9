-- Append-mostly, time-stamped tables (the seeds' site_visits, bot_logs, ai_requests) that are
-- not partitioned. Statistics are flushed at the end so that the audit sees the inserts.
-- scope: partition-time-series
-- params: {"partition-time-series": {"min_bytes": 65536, "min_inserts": 1000}}
-- expect: partition-time-series public.site_visits
-- expect: partition-time-series public.ai_requests
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          visit_date timestamptz NOT NULL, page_path text NOT NULL,
                          is_admin boolean NOT NULL DEFAULT false);
INSERT INTO site_visits (visit_date, page_path)
SELECT now() - g * interval '1 hour', '/page/' || g % 50 FROM generate_series(1, 2000) g;
CREATE INDEX site_visits_date ON site_visits (visit_date DESC, page_path);
CREATE TABLE ai_requests (id serial PRIMARY KEY, application_id int,
                          created_at timestamptz DEFAULT now(), updated_at timestamptz NOT NULL,
                          tokens int);
INSERT INTO ai_requests (application_id, updated_at, tokens)
SELECT g % 40, now(), g FROM generate_series(1, 2000) g;
UPDATE ai_requests SET tokens = tokens + 1 WHERE id <= 50;
SELECT pg_stat_force_next_flush();
