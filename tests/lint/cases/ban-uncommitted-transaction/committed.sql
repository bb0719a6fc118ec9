-- expect: none
BEGIN;
CREATE TABLE t (id bigint);
COMMIT;
