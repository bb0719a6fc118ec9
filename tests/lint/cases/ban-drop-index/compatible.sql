-- expect: none
CREATE INDEX CONCURRENTLY ix_orders_user ON orders (user_id);
