-- expect: 2
DROP EXTENSION pg_trgm;
