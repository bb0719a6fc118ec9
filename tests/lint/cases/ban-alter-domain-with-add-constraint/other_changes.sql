-- expect: none
ALTER DOMAIN positive_int DROP CONSTRAINT positive;
ALTER DOMAIN positive_int RENAME TO pos_int;
