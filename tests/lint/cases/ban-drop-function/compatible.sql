-- expect: none
DROP TRIGGER IF EXISTS touch ON orders;
