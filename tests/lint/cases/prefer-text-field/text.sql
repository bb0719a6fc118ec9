-- expect: none
CREATE TABLE t (name text, other varchar);
