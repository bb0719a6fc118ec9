-- expect: none
ALTER TABLE orders ALTER COLUMN state DROP DEFAULT;
