-- expect: 2, 3
CREATE TABLE t (code char(3));
ALTER TABLE t ADD COLUMN flag character;
