-- A healthy schema modelled on the seeds: every FK indexed, no duplicates, nothing invalid.
-- scope: indexes
-- expect-nothing
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    telegram_id bigint NOT NULL UNIQUE, username varchar(100),
                    email text NOT NULL, is_admin boolean NOT NULL DEFAULT false,
                    created_at timestamptz NOT NULL DEFAULT now());
CREATE UNIQUE INDEX users_lower_email_key ON users (lower(email));
CREATE TABLE applications (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                           user_id bigint NOT NULL REFERENCES users (id),
                           stage varchar(50) NOT NULL, interview_data jsonb);
CREATE INDEX applications_user_stage ON applications (user_id, stage);
CREATE INDEX applications_interview ON applications USING gin (interview_data jsonb_path_ops);
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          visit_date timestamptz NOT NULL, page_path text NOT NULL,
                          is_admin boolean NOT NULL DEFAULT false);
CREATE INDEX site_visits_date_path ON site_visits (visit_date DESC, page_path);
CREATE INDEX site_visits_non_admin ON site_visits (visit_date) WHERE NOT is_admin;
INSERT INTO users (telegram_id, username, email)
SELECT g, 'user' || g, 'user' || g || '@example.com' FROM generate_series(1, 500) g;
INSERT INTO applications (user_id, stage, interview_data)
SELECT 1 + g % 500, 'draft', jsonb_build_object('q', g) FROM generate_series(1, 1000) g;
ANALYZE;
