-- expect: none
ALTER TABLE orders SET (autovacuum_enabled = true);
