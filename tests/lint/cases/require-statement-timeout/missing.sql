-- expect: 3
SET lock_timeout = '2s';
COMMENT ON TABLE t IS 'x';
