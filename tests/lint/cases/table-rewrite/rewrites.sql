-- expect: 2, 3, 4
VACUUM (FULL) orders;
ALTER TABLE orders SET TABLESPACE fast_ssd;
ALTER TABLE orders SET LOGGED;
