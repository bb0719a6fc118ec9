-- CHECK and FOREIGN KEY constraints added NOT VALID and never validated.
-- scope: not-valid-constraint
-- expect: not-valid-constraint public.users_email_check on public.users
-- expect: not-valid-constraint public.applications_user_fk on public.applications
CREATE TABLE users (id serial PRIMARY KEY, email text);
CREATE TABLE applications (id serial PRIMARY KEY, user_id int, stage text);
INSERT INTO users (email) SELECT 'u' || g || '@x.org' FROM generate_series(1, 100) g;
INSERT INTO applications (user_id, stage) SELECT g, 'draft' FROM generate_series(1, 100) g;
ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email LIKE '%@%') NOT VALID;
ALTER TABLE applications ADD CONSTRAINT applications_user_fk
    FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
-- validated in a second step: fine
ALTER TABLE applications ADD CONSTRAINT applications_stage_check
    CHECK (stage IN ('draft', 'sent')) NOT VALID;
ALTER TABLE applications VALIDATE CONSTRAINT applications_stage_check;
