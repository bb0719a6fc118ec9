-- expect: 2
ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';
