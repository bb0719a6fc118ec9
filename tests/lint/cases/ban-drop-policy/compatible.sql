-- expect: none
DROP TRIGGER IF EXISTS audit ON orders;
