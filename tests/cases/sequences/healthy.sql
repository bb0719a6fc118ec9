-- Keys with room to grow: bigint identity columns, a bigint sequence behind a bigint column,
-- an integer serial at half its range (below the 75 % warning).
-- scope: tables sequences
-- expect-nothing
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
SELECT setval(pg_get_serial_sequence('users', 'id'), 5000000000);
CREATE SEQUENCE order_numbers;
CREATE TABLE orders (number bigint PRIMARY KEY DEFAULT nextval('order_numbers'),
                     user_id bigint NOT NULL REFERENCES users (id));
CREATE INDEX orders_user ON orders (user_id);
SELECT setval('order_numbers', 3000000000);
CREATE TABLE tickets (id serial PRIMARY KEY);
SELECT setval('tickets_id_seq', 1073741824);
