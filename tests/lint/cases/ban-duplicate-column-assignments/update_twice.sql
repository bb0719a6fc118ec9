-- expect: 2, 3
UPDATE t SET a = 1, b = 2, a = 3;
INSERT INTO t (a, a) VALUES (1, 2);
