-- expect: 2
CREATE TABLE t (n smallint, m smallserial);
