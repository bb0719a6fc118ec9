-- expect: 2
ALTER POLICY tenant_isolation ON orders TO app_user;
