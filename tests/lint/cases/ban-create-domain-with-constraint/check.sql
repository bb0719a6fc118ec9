-- expect: 2
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
