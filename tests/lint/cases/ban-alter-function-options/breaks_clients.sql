-- expect: 2
ALTER FUNCTION touch_updated_at() SECURITY DEFINER;
