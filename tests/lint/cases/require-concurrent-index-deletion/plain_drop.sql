-- expect: 2
DROP INDEX ix_orders_user;
