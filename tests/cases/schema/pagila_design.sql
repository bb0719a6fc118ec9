-- Pagila (pagila-schema.sql, github.com/devrimgunduz/pagila): customer keeps its flag twice,
-- activebool boolean and active integer (15 of 599 customers have active = 0 while every
-- activebool is true), and film's full-text index is GiST on a table that is only read.
-- scope: duplicate-flag-column integer-as-boolean gist-fulltext-index
-- expect: duplicate-flag-column public.customer.active on public.customer
-- expect: gist-fulltext-index public.film_fulltext_idx on public.film
CREATE TABLE customer (customer_id serial PRIMARY KEY, first_name text NOT NULL,
                       activebool boolean DEFAULT true NOT NULL, active integer);
INSERT INTO customer (first_name, active) SELECT 'c' || g, (g > 15)::int FROM generate_series(1, 599) g;
CREATE TABLE film (film_id serial PRIMARY KEY, title text NOT NULL, description text,
                   fulltext tsvector NOT NULL);
INSERT INTO film (title, description, fulltext)
SELECT 'film ' || g, 'A story of ' || g, pg_catalog.to_tsvector('english', 'film story ' || g)
FROM generate_series(1, 1000) g;
CREATE INDEX film_fulltext_idx ON film USING gist (fulltext);
-- A table whose flags agree and a GiST index on a write-heavy table: healthy.
CREATE TABLE accounts (id serial PRIMARY KEY, is_active boolean NOT NULL DEFAULT true,
                       note tsvector);
INSERT INTO accounts (note) SELECT pg_catalog.to_tsvector('simple', 'x' || g) FROM generate_series(1, 200) g;
UPDATE accounts SET note = note WHERE id <= 200;
UPDATE accounts SET note = note WHERE id <= 200;
CREATE INDEX accounts_note ON accounts USING gist (note);
ANALYZE;
SELECT pg_stat_force_next_flush();
