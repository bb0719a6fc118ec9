-- expect: 2, 3
CREATE TABLE t (name varchar(100));
ALTER TABLE t ALTER COLUMN name TYPE varchar(200);
