-- expect: 3, 4
-- message: t.name is varchar(200)
CREATE TABLE t (name varchar(100));
ALTER TABLE t ALTER COLUMN name TYPE varchar(200);
