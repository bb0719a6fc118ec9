-- expect: 2
REVOKE SELECT ON orders FROM reporting;
