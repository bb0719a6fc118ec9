-- expect: none
ALTER TABLE orders ALTER COLUMN total SET STATISTICS 100;
