-- Pagila's payment table (pagila-schema.sql, github.com/devrimgunduz/pagila): partitioned by
-- month, each partition given its foreign keys and indexes one by one; the last partition,
-- payment_p2022_07, got none of them, and the parent has no index but its primary key.
-- A minimal reproduction with three partitions (the sample has seven).
-- scope: partition-sibling-drift partition-index-not-on-parent fk-without-index
-- expect: partition-sibling-drift public.payment_p2022_03
-- expect: partition-index-not-on-parent public.payment(customer_id)
-- expect: partition-index-not-on-parent public.payment(staff_id)
-- expect: fk-without-index public.payment(rental_id)
CREATE TABLE customer (customer_id serial PRIMARY KEY, name text);
CREATE TABLE staff (staff_id serial PRIMARY KEY, name text);
CREATE TABLE rental (rental_id serial PRIMARY KEY, customer_id int NOT NULL);
CREATE INDEX idx_fk_rental_customer ON rental (customer_id);
ALTER TABLE rental ADD FOREIGN KEY (customer_id) REFERENCES customer (customer_id);
CREATE TABLE payment (payment_id serial, customer_id int NOT NULL, staff_id int NOT NULL,
                      rental_id int NOT NULL, amount numeric(5,2) NOT NULL,
                      payment_date timestamptz NOT NULL)
    PARTITION BY RANGE (payment_date);
ALTER TABLE payment ADD PRIMARY KEY (payment_date, payment_id);
CREATE TABLE payment_p2022_01 PARTITION OF payment
    FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00');
CREATE TABLE payment_p2022_02 PARTITION OF payment
    FOR VALUES FROM ('2022-02-01 00:00:00+00') TO ('2022-03-01 00:00:00+00');
CREATE TABLE payment_p2022_03 PARTITION OF payment
    FOR VALUES FROM ('2022-03-01 00:00:00+00') TO ('2022-04-01 00:00:00+00');
CREATE INDEX idx_fk_payment_p2022_01_customer_id ON payment_p2022_01 (customer_id);
CREATE INDEX idx_fk_payment_p2022_01_staff_id ON payment_p2022_01 (staff_id);
CREATE INDEX payment_p2022_01_customer_id_idx ON payment_p2022_01 (customer_id);
CREATE INDEX idx_fk_payment_p2022_02_customer_id ON payment_p2022_02 (customer_id);
CREATE INDEX idx_fk_payment_p2022_02_staff_id ON payment_p2022_02 (staff_id);
CREATE INDEX payment_p2022_02_customer_id_idx ON payment_p2022_02 (customer_id);
ALTER TABLE payment_p2022_01 ADD CONSTRAINT payment_p2022_01_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES customer (customer_id);
ALTER TABLE payment_p2022_01 ADD CONSTRAINT payment_p2022_01_rental_id_fkey
    FOREIGN KEY (rental_id) REFERENCES rental (rental_id);
ALTER TABLE payment_p2022_01 ADD CONSTRAINT payment_p2022_01_staff_id_fkey
    FOREIGN KEY (staff_id) REFERENCES staff (staff_id);
ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES customer (customer_id);
ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_rental_id_fkey
    FOREIGN KEY (rental_id) REFERENCES rental (rental_id);
ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_staff_id_fkey
    FOREIGN KEY (staff_id) REFERENCES staff (staff_id);
-- Enough rows that the partitions together are not a tiny table (fk-without-index).
INSERT INTO customer (name) SELECT 'c' || g FROM generate_series(1, 50) g;
INSERT INTO staff (name) VALUES ('Mike'), ('Jon');
INSERT INTO rental (customer_id) SELECT 1 + g % 50 FROM generate_series(1, 3000) g;
INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
SELECT 1 + g % 50, 1 + g % 2, g, 2.99, '2022-01-01'::timestamptz + (g % 80) * interval '1 day'
FROM generate_series(1, 3000) g;
ANALYZE;
