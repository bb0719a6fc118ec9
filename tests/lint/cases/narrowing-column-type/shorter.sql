-- expect: 5
-- full-stack-fastapi-template 9c0a54914c78: unbounded → VARCHAR(255) (the old type known here)
SET lock_timeout = '2s';
ALTER TABLE "user" ALTER COLUMN email TYPE text;
ALTER TABLE "user" ALTER COLUMN email TYPE varchar(255);
