-- pg-version: 19
-- expect: 3, 4
VACUUM FULL orders;
CLUSTER orders USING orders_pkey;
