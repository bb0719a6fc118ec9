-- expect: 2
DROP TYPE order_state;
