-- expect: none
CREATE TABLE t (a text);
ALTER TABLE t RENAME COLUMN a TO b;
