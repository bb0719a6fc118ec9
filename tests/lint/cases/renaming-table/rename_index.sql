-- expect: none
ALTER INDEX ix_a RENAME TO ix_b;
