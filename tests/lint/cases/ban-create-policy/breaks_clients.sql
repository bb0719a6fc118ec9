-- expect: 2
CREATE POLICY tenant_isolation ON orders USING (tenant_id = 1);
