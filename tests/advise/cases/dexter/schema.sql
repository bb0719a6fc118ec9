-- The schema of Dexter's test suite (ankane/dexter, test/support/schema.sql at d421932),
-- written for pgsage's conformance run: the same tables, row counts, value distributions and
-- the one existing index. HypoPG is created by the runner (it is the server's choice), the
-- foreign table's server points nowhere, as in Dexter's.
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS postgres_fdw;

CREATE TABLE posts (
  id int,
  blog_id int,
  user_id int,
  json json,
  jsonb jsonb,
  hstore hstore,
  point point,
  indexed int
);
INSERT INTO posts (id, blog_id, user_id, indexed)
SELECT n, n % 1000, n % 10, n FROM generate_series(1, 100000) n;
CREATE INDEX ON posts (indexed);
CREATE VIEW posts_view AS SELECT id AS view_id FROM posts;
CREATE MATERIALIZED VIEW posts_materialized AS SELECT * FROM posts;

CREATE TABLE blogs (id int PRIMARY KEY);
INSERT INTO blogs (id) SELECT n FROM generate_series(1, 1000) n;

CREATE TABLE events (id int, blog_id int) PARTITION BY HASH (blog_id);
CREATE TABLE events_0 PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE events_1 PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE events_2 PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO events (id, blog_id) SELECT n, n FROM generate_series(1, 100000) n;

CREATE SCHEMA "Bar";
CREATE TABLE "Bar"."Foo" ("Id" int);
INSERT INTO "Bar"."Foo" SELECT * FROM generate_series(1, 100000);

CREATE SERVER other FOREIGN DATA WRAPPER postgres_fdw;
CREATE FOREIGN TABLE comments (post_id int) SERVER other;

-- batching_test.rb's create_table(100): t(c00 int, ..., c99 int), 2,000 rows of n in every column.
DO $$
BEGIN
  EXECUTE (SELECT format('CREATE TABLE t (%s)', string_agg(format('c%s int', lpad(i::text, 2, '0')), ', ' ORDER BY i))
           FROM generate_series(0, 99) i);
  EXECUTE (SELECT format('INSERT INTO t SELECT %s FROM generate_series(1, 2000) n', string_agg('n', ', '))
           FROM generate_series(0, 99) i);
END $$;

ANALYZE;
