-- expect: 2
DROP SCHEMA reporting CASCADE;
