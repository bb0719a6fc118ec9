-- expect: 2, 3
CREATE UNIQUE INDEX CONCURRENTLY ix_orders_code ON orders (code);
ALTER TABLE orders ADD COLUMN state text NOT NULL DEFAULT 'new';
