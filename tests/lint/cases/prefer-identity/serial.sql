-- expect: 2
CREATE TABLE t (id bigserial PRIMARY KEY);
