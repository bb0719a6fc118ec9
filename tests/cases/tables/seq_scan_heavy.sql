-- orders is searched by an unindexed column (each search a full scan returning one row);
-- customers is searched through its primary key. Thresholds lowered for small tables.
-- scope: seq-scan-heavy
-- params: {"seq-scan-heavy": {"min_table_bytes": 1000000, "min_seq_scans": 20}}
-- expect: seq-scan-heavy public.orders
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, note text);
INSERT INTO orders SELECT g, g % 5000, 'order ' || g FROM generate_series(1, 50000) g;
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50000) g;
ANALYZE orders;
ANALYZE customers;
-- (The DO block stays on one line: a case file statement ends at a line ending in ";".)
DO $$ BEGIN FOR i IN 1..25 LOOP PERFORM count(*) FROM orders WHERE customer_id = i; PERFORM name FROM customers WHERE id = i; END LOOP; END $$;
