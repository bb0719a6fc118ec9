-- expect: none
CREATE TABLE t (id bigint, n smallint, m int8);
