-- expect: none
ALTER TABLE orders ALTER COLUMN total DROP DEFAULT;
