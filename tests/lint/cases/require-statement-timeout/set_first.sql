-- expect: none
SET Statement_Timeout = '5min';
ALTER TABLE t ADD COLUMN c text;
