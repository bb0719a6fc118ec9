-- expect: 2
DROP DATABASE app;
