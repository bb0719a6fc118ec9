-- expect: none
ALTER POLICY tenant_isolation ON orders RENAME TO tenant_rows;
