-- expect: none
ALTER TABLE users DROP CONSTRAINT users_legacy_check;
