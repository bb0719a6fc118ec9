-- expect: none
CREATE TABLE t (id bigint);
CREATE INDEX ix_t_id ON t (id);
