-- A unique index whose concurrent build failed on duplicate rows stays INVALID.
-- expect: invalid-index public.orders_ref_key on public.orders
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ref text NOT NULL);
INSERT INTO orders (ref) SELECT 'r' || (g % 50) FROM generate_series(1, 200) g;
-- may-fail
CREATE UNIQUE INDEX CONCURRENTLY orders_ref_key ON orders (ref);
