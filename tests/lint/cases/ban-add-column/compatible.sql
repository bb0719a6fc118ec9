-- expect: none
CREATE TABLE t (id bigint);
ALTER TABLE t ADD COLUMN note text;
