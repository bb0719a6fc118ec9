-- expect: none
ALTER POLICY tenant_isolation ON orders USING (true);
