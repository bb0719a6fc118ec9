-- expect: none
CREATE INDEX CONCURRENTLY ix_a ON t (a);
