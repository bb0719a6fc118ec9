-- One statement per behaviour the trace must measure.
ALTER TABLE accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0) NOT VALID;
ALTER TABLE accounts VALIDATE CONSTRAINT balance_positive;
ALTER TABLE accounts ALTER COLUMN note TYPE text;
ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;
CREATE INDEX CONCURRENTLY accounts_note ON accounts (note);
SELECT 1 / 0;
CREATE TABLE ledger (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));
