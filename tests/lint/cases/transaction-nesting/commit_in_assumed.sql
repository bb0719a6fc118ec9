-- assume-in-transaction
-- expect: 4
SELECT 1;
COMMIT;
