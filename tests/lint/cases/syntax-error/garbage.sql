-- expect: 3
SELECT 1;
CREATE TABEL t (id bigint);
SELECT 2;
