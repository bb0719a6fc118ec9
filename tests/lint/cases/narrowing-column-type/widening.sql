-- expect: none
SET lock_timeout = '2s';
CREATE TABLE t (code varchar(20));
ALTER TABLE t ALTER COLUMN code TYPE varchar(40);
ALTER TABLE other ALTER COLUMN code TYPE varchar(40);
