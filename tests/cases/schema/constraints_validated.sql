-- Healthy: constraints added NOT VALID and validated afterwards, and plain ones.
-- scope: not-valid-constraint
-- expect-nothing
CREATE TABLE users (id serial PRIMARY KEY, email text CHECK (email <> ''));
CREATE TABLE applications (id serial PRIMARY KEY, user_id int REFERENCES users (id));
INSERT INTO users (email) VALUES ('a@x.org');
INSERT INTO applications (user_id) VALUES (1);
ALTER TABLE applications ADD CONSTRAINT applications_user_positive CHECK (user_id > 0) NOT VALID;
ALTER TABLE applications VALIDATE CONSTRAINT applications_user_positive;
