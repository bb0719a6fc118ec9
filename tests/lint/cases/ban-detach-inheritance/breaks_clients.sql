-- expect: 2
ALTER TABLE orders_2020 NO INHERIT orders;
