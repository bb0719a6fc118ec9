-- expect: none
VACUUM (FULL false) orders;
VACUUM ANALYZE orders;
CREATE TABLE t (id bigint);
ALTER TABLE t SET UNLOGGED;
