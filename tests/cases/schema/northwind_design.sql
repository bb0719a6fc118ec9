-- Northwind (northwind.sql, github.com/pthom/northwind_psql): prices and freight in `real`,
-- products.discontinued an integer 0/1, and smallint keys the application numbers itself
-- (orders.order_id reaches 11077 of smallint's 32767). Minimal reproduction of its tables.
-- scope: float-money integer-as-boolean integer-key-near-limit timestamp-without-time-zone
-- expect: float-money public.products.unit_price on public.products
-- expect: float-money public.orders.freight on public.orders
-- expect: float-money public.order_details.unit_price on public.order_details
-- expect: integer-as-boolean public.products.discontinued on public.products
-- expect: integer-key-near-limit public.orders.order_id on public.orders
-- expect: timestamp-without-time-zone public.audit_log.created_at on public.audit_log
CREATE TABLE products (product_id smallint PRIMARY KEY, product_name varchar(40) NOT NULL,
                       unit_price real, units_in_stock smallint, discontinued integer NOT NULL);
CREATE TABLE orders (order_id smallint PRIMARY KEY, order_date date, freight real);
CREATE TABLE order_details (order_id smallint NOT NULL REFERENCES orders,
                            product_id smallint NOT NULL REFERENCES products,
                            unit_price real NOT NULL, quantity smallint NOT NULL,
                            discount real NOT NULL, PRIMARY KEY (order_id, product_id));
INSERT INTO products
SELECT g, 'product ' || g, 10 + g * 0.45, g % 120, (g % 9 = 0)::int FROM generate_series(1, 77) g;
INSERT INTO orders SELECT g, date '1996-07-04' + (g - 10248), 32.38 FROM generate_series(10248, 11077) g;
INSERT INTO order_details SELECT o, 1 + o % 77, 14, 1 + o % 2, 0.05 FROM generate_series(10248, 11077) o;
-- Not flags, not money, not instants: a 0/1 quantity, a discount rate, a calendar date, and an
-- identity key.
CREATE TABLE shelves (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, quantity int NOT NULL,
                      discount_rate double precision, opened_on timestamp);
INSERT INTO shelves (quantity, discount_rate) SELECT g % 2, 0.1 FROM generate_series(1, 50) g;
-- An instant recorded without its zone.
CREATE TABLE audit_log (id serial PRIMARY KEY, created_at timestamp NOT NULL DEFAULT now());
ANALYZE;
