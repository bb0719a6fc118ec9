-- expect: none
-- warehouse 7cf64da2632a: a long lock_timeout for CREATE INDEX CONCURRENTLY only
SET lock_timeout = 200000;
CREATE INDEX CONCURRENTLY journals_name_id_idx ON journals (name, id DESC);
SET lock_timeout = '2s';
ALTER TABLE journals ADD COLUMN note text;
