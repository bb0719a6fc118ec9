-- expect: 2
DROP FUNCTION touch_updated_at();
