-- expect: none
CREATE TABLE t (id bigint);
CREATE POLICY own_rows ON t USING (true);
