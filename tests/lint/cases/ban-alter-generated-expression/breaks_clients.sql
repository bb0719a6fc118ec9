-- expect: 2
ALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (price * qty * 2);
