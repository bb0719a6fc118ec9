-- PUBLIC given CREATE on public (the PostgreSQL 13/14 default) and on another schema; USAGE
-- alone is fine.
-- expect: public-schema-create public
-- expect: public-schema-create shared
GRANT CREATE ON SCHEMA public TO PUBLIC;
CREATE SCHEMA shared;
GRANT CREATE, USAGE ON SCHEMA shared TO PUBLIC;
CREATE SCHEMA app;
GRANT USAGE ON SCHEMA app TO PUBLIC;
