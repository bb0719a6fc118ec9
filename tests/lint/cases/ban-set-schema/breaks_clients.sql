-- expect: 2
ALTER TABLE orders SET SCHEMA archive;
