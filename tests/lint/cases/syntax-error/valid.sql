-- expect: none
SELECT 1;
