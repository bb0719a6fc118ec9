-- expect: 3
SET statement_timeout = '5min';
ALTER TABLE t ADD COLUMN c text;
ALTER TABLE t ADD COLUMN d text;
