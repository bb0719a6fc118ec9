-- expect: 2
ALTER ROLE app NOLOGIN;
