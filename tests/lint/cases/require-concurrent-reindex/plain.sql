-- expect: 2, 3
REINDEX TABLE orders;
REINDEX (VERBOSE) INDEX ix_orders_user;
