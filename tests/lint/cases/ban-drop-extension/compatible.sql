-- expect: none
CREATE EXTENSION IF NOT EXISTS pg_trgm;
