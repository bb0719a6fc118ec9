-- expect: none
VACUUM FULL orders;
VACUUM (ANALYZE) orders;
