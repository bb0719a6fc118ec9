-- expect: none
CREATE TABLE tmp_backfill (id bigint);
DROP TABLE tmp_backfill;
