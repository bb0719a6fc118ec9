-- expect: 2
ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);
