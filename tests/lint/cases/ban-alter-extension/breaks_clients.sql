-- expect: 2
ALTER EXTENSION postgis UPDATE;
