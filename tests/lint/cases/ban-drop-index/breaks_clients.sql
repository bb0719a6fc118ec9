-- expect: 2
DROP INDEX CONCURRENTLY IF EXISTS ix_orders_user;
