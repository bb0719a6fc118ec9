-- expect: 2
DROP POLICY tenant_isolation ON orders;
