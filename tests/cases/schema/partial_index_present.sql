-- Healthy: the filters already have partial indexes, the flag is not low-cardinality, a value
-- held by nearly every row is not worth a partial index, and a small table is left alone.
-- scope: partial-index-opportunity
-- params: {"partial-index-opportunity": {"min_rows": 1000}}
-- expect-nothing
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          visit_date timestamptz NOT NULL, page_path text NOT NULL,
                          is_admin boolean NOT NULL DEFAULT false, is_archived boolean NOT NULL);
INSERT INTO site_visits (visit_date, page_path, is_admin, is_archived)
SELECT timestamptz '2025-01-01' + g * interval '1 minute', '/p/' || g % 40, g % 10 = 0, g < 10
FROM generate_series(1, 3000) g;
CREATE INDEX site_visits_non_admin ON site_visits (visit_date) WHERE NOT is_admin;
CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL, status text NOT NULL,
                     reference text NOT NULL);
INSERT INTO orders (user_id, status, reference)
SELECT g % 300, CASE WHEN g % 20 = 0 THEN 'active' ELSE 'done' END, 'R' || g
FROM generate_series(1, 3000) g;
CREATE INDEX orders_active ON orders (user_id) WHERE status = 'active';
CREATE TABLE settings (id serial PRIMARY KEY, enabled boolean NOT NULL);
INSERT INTO settings (enabled) SELECT g % 2 = 0 FROM generate_series(1, 20) g;
ANALYZE;
SELECT page_path FROM site_visits WHERE NOT is_admin AND visit_date >= timestamptz '2025-01-02';
SELECT id FROM site_visits WHERE NOT is_archived ORDER BY visit_date DESC LIMIT 10;
SELECT id FROM orders WHERE status = 'active' AND user_id = 7;
SELECT id FROM orders WHERE reference = 'R17';
SELECT id FROM settings WHERE enabled;
-- a look-up by primary key needs no partial index, whatever else it filters on
SELECT id FROM orders WHERE id = 42 AND status = 'active';
UPDATE site_visits SET page_path = page_path WHERE id = 7 AND is_archived;
-- is_admin = false becomes is_admin = $1: the existing NOT is_admin predicate is trusted
SELECT visit_date FROM site_visits WHERE is_admin = false AND visit_date >= timestamptz '2025-01-02';
