-- Sequences close to their limit. The limit is the lower of the sequence's own bound and the
-- range of the column it feeds.
-- scope: sequences
-- A serial (integer column, integer sequence) at 88.5 %.
-- expect: sequence-exhaustion public.tickets_id_seq on public.tickets
CREATE TABLE tickets (id serial PRIMARY KEY, subject text);
SELECT setval('tickets_id_seq', 1900000000);
-- The classic trap: a bigint sequence (as pre-10 serials were) feeding an integer column, with
-- a foreign key column that must widen with it; 93 % of the integer range.
-- expect: sequence-exhaustion public.legacy_orders_id_seq on public.legacy_orders
CREATE SEQUENCE legacy_orders_id_seq AS bigint;
CREATE TABLE legacy_orders (id integer PRIMARY KEY DEFAULT nextval('legacy_orders_id_seq'));
ALTER SEQUENCE legacy_orders_id_seq OWNED BY legacy_orders.id;
CREATE TABLE legacy_order_items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                 order_id integer NOT NULL REFERENCES legacy_orders (id));
SELECT setval('legacy_orders_id_seq', 2000000000);
-- Not owned, only used by a column DEFAULT: found through the default.
-- expect: sequence-exhaustion public.invoice_no on public.invoices
CREATE SEQUENCE invoice_no;
CREATE TABLE invoices (number integer PRIMARY KEY DEFAULT nextval('invoice_no'), total numeric);
SELECT setval('invoice_no', 1800000000);
-- An integer identity column at 79 %.
-- expect: sequence-exhaustion public.sessions_id_seq on public.sessions
CREATE TABLE sessions (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, token text);
SELECT setval(pg_get_serial_sequence('sessions', 'id'), 1700000000);
-- A smallserial at 91.5 %.
-- expect: sequence-exhaustion public.flags_id_seq on public.flags
CREATE TABLE flags (id smallserial PRIMARY KEY, name text);
SELECT setval('flags_id_seq', 30000);
-- A descending integer sequence at 93 % of its MINVALUE.
-- expect: sequence-exhaustion public.countdown
CREATE SEQUENCE countdown AS integer INCREMENT BY -1;
SELECT setval('countdown', -2000000000);
-- A bigint sequence with an explicit MAXVALUE at 95 %.
-- expect: sequence-exhaustion public.batch_numbers
CREATE SEQUENCE batch_numbers MAXVALUE 1000000;
SELECT setval('batch_numbers', 950000);
-- Quiet: a bigint identity far along; a serial barely used; a cycling sequence near its own
-- bound (made to wrap); a sequence never used.
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
SELECT setval(pg_get_serial_sequence('events', 'id'), 3000000000);
CREATE TABLE news (id serial PRIMARY KEY);
SELECT setval('news_id_seq', 1000);
CREATE SEQUENCE ring AS smallint MAXVALUE 100 CYCLE;
SELECT setval('ring', 99);
CREATE SEQUENCE unused_seq AS integer;
