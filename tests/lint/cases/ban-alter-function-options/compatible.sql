-- expect: none
ALTER FUNCTION touch_updated_at() RENAME TO touch;
