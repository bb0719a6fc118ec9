-- expect: none
CREATE ROLE reporting NOLOGIN;
