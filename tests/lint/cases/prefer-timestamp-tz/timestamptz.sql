-- expect: none
CREATE TABLE t (created_at timestamptz, updated_at timestamp with time zone);
