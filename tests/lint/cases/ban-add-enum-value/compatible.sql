-- expect: none
ALTER TYPE order_state RENAME VALUE 'cancelled' TO 'canceled';
