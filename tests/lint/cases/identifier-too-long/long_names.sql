-- expect: 2
CREATE INDEX CONCURRENTLY ix_orders_customer_id_created_at_status_region_currency_channel_and_more ON orders (customer_id);
