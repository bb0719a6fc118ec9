-- expect: 2, 3
CREATE TABLE t (id bigint);
DROP TABLE t;
