-- expect: none
UPDATE t SET a.x = 1, a.y = 2;
CREATE VIEW v (a, b) AS SELECT 1 a, 2 a;
