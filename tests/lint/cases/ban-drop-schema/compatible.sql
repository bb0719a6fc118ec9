-- expect: none
CREATE SCHEMA IF NOT EXISTS reporting;
