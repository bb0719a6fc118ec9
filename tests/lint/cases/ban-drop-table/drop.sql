-- expect: 2
DROP TABLE IF EXISTS users;
