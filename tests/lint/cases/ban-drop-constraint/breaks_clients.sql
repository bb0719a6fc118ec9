-- expect: 2
ALTER TABLE orders DROP CONSTRAINT orders_total_check;
