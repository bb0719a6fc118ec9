-- expect: none
ALTER TABLE orders SET (fillfactor = 90);
