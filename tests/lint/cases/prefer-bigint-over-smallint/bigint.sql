-- expect: none
CREATE TABLE t (n bigint, m integer);
