-- expect: none
CREATE TABLE t (code text, name varchar(10));
