-- expect: 2
DROP DOMAIN email;
