-- A UNIQUE constraint on the primary key's column, a unique index on a column that has a
-- UNIQUE constraint, and two plain unique indexes on the same column.
-- expect: unique-index-duplicates-constraint public.services_id_key on public.services
-- expect: unique-index-duplicates-constraint public.services_code_uidx on public.services
-- expect: unique-index-duplicates-constraint public.services_slug_b on public.services
CREATE TABLE services (id serial PRIMARY KEY, code text, slug text, name text,
                       CONSTRAINT services_code_key UNIQUE (code));
-- (Declared inside CREATE TABLE, PostgreSQL would fold this into the primary key.)
ALTER TABLE services ADD CONSTRAINT services_id_key UNIQUE (id);
CREATE UNIQUE INDEX services_code_uidx ON services (code);
CREATE UNIQUE INDEX services_slug_a ON services (slug);
CREATE UNIQUE INDEX services_slug_b ON services (slug);
-- Not duplicates: a partial unique index, and a unique index on (code, name).
CREATE UNIQUE INDEX services_name_active ON services (name) WHERE code IS NOT NULL;
CREATE UNIQUE INDEX services_code_name ON services (code, name);
