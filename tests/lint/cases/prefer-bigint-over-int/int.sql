-- expect: 2, 3
CREATE TABLE t (id serial, n integer);
ALTER TABLE t ADD COLUMN m int4[];
