-- A well-kept schema modelled on the seeds: every table has a primary key, was vacuumed and
-- analyzed after its load, autovacuum is on, sequences are far from their limits. Nothing to
-- report in the table and sequence checks, with their default thresholds.
-- scope: tables sequences
-- expect-nothing
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    telegram_id bigint NOT NULL UNIQUE, username varchar(100),
                    email text NOT NULL, is_admin boolean NOT NULL DEFAULT false,
                    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE applications (id serial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id),
                           stage varchar(50) NOT NULL, interview_data jsonb);
CREATE INDEX applications_user_stage ON applications (user_id, stage);
CREATE TABLE ai_requests (id bigint GENERATED ALWAYS AS IDENTITY, created_at date NOT NULL,
                          model text NOT NULL, tokens int, PRIMARY KEY (id, created_at))
    PARTITION BY RANGE (created_at);
CREATE TABLE ai_requests_2025 PARTITION OF ai_requests
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ai_requests_2026 PARTITION OF ai_requests
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          visit_date timestamptz NOT NULL, page_path text NOT NULL)
    WITH (autovacuum_vacuum_scale_factor = 0.01);
CREATE INDEX site_visits_date ON site_visits (visit_date);
CREATE SEQUENCE invoice_numbers AS bigint;
CREATE TABLE invoices (number bigint PRIMARY KEY DEFAULT nextval('invoice_numbers'),
                       amount numeric(12, 2) NOT NULL);
CREATE MATERIALIZED VIEW daily_visits AS
    SELECT visit_date::date AS day, count(*) AS visits FROM site_visits GROUP BY 1;
INSERT INTO users (telegram_id, username, email)
SELECT g, 'user' || g, 'user' || g || '@example.com' FROM generate_series(1, 20000) g;
INSERT INTO applications (user_id, stage, interview_data)
SELECT 1 + g % 20000, 'draft', jsonb_build_object('q', g) FROM generate_series(1, 20000) g;
INSERT INTO ai_requests (created_at, model, tokens)
SELECT date '2025-01-01' + g % 500, 'gpt', g % 4000 FROM generate_series(1, 20000) g;
INSERT INTO site_visits (visit_date, page_path)
SELECT timestamptz '2025-01-01' + g * interval '1 minute', '/p' || g % 100
FROM generate_series(1, 20000) g;
INSERT INTO invoices (amount) SELECT g FROM generate_series(1, 1000) g;
-- Some churn, cleaned up by the vacuum below.
UPDATE applications SET stage = 'submitted' WHERE id % 10 = 0;
DELETE FROM site_visits WHERE id % 50 = 0;
REFRESH MATERIALIZED VIEW daily_visits;
-- A bigint identity far along is far from bigint's limit; the others are barely used.
SELECT setval(pg_get_serial_sequence('users', 'id'), 1900000000);
SELECT setval('invoice_numbers', 2000000000);
SELECT pg_stat_force_next_flush();
VACUUM ANALYZE;
