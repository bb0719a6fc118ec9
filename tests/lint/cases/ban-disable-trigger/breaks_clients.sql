-- expect: 2
ALTER TABLE orders DISABLE TRIGGER orders_audit;
