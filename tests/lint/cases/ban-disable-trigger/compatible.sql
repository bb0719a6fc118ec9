-- expect: none
DROP TRIGGER IF EXISTS orders_audit ON orders;
