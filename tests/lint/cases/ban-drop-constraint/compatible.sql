-- expect: none
CREATE TABLE t (id bigint CONSTRAINT t_pos CHECK (id > 0));
ALTER TABLE t DROP CONSTRAINT t_pos;
