-- expect: 2
BEGIN;
CREATE TABLE t (id bigint);
