-- expect: none
ALTER TABLE users ADD COLUMN code varchar(10);
ALTER TABLE users ALTER COLUMN code TYPE varchar(20);
ALTER TABLE users ALTER COLUMN code TYPE text USING code::text;
