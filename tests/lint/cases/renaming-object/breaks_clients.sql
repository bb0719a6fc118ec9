-- expect: 2
ALTER TABLE orders RENAME CONSTRAINT orders_fk TO orders_user_fk;
