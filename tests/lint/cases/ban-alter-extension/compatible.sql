-- expect: none
CREATE EXTENSION IF NOT EXISTS postgis;
