-- Flags and statuses used as constant filters on big tables, with no index predicate for them.
-- WHERE is_admin / NOT is_bot keep their value in pg_stat_statements; status = 'active' becomes
-- status = $1, so the value is taken from pg_stats (the least common one).
-- scope: partial-index-opportunity
-- params: {"partial-index-opportunity": {"min_rows": 1000}}
-- expect: partial-index-opportunity public.site_visits.is_admin
-- expect: partial-index-opportunity public.bot_logs.is_bot
-- expect: partial-index-opportunity public.orders.status
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          visit_date timestamptz NOT NULL, page_path text NOT NULL,
                          is_admin boolean NOT NULL DEFAULT false);
INSERT INTO site_visits (visit_date, page_path, is_admin)
SELECT timestamptz '2025-01-01' + g * interval '1 minute', '/p/' || g % 40, g % 10 = 0
FROM generate_series(1, 3000) g;
CREATE TABLE bot_logs (id serial PRIMARY KEY, created_at timestamptz NOT NULL,
                       is_bot boolean NOT NULL, message text);
INSERT INTO bot_logs (created_at, is_bot, message)
SELECT timestamptz '2025-01-01' + g * interval '1 minute', g % 3 = 0, 'm' || g
FROM generate_series(1, 3000) g;
CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL, status text NOT NULL);
INSERT INTO orders (user_id, status)
SELECT g % 300, CASE WHEN g % 20 = 0 THEN 'active' ELSE 'done' END
FROM generate_series(1, 3000) g;
ANALYZE;
SELECT page_path, count(*) FROM site_visits
WHERE is_admin AND visit_date >= timestamptz '2025-01-02' GROUP BY page_path;
SELECT id, message FROM bot_logs WHERE NOT is_bot ORDER BY created_at DESC LIMIT 50;
SELECT id FROM orders WHERE status = 'active' AND user_id = 7;
