-- expect: 2, 3
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE orders ADD COLUMN shop_id bigint REFERENCES shops (id);
