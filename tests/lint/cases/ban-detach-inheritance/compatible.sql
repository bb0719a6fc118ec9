-- expect: none
ALTER TABLE orders_2020 INHERIT orders;
