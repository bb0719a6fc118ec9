-- Each statement is linted (with --dsn on the seeded schema) and traced; the verdicts must agree.
ALTER TABLE accounts ALTER COLUMN note TYPE text;
ALTER TABLE accounts ALTER COLUMN note TYPE varchar(40);
ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;
ALTER TABLE accounts ADD COLUMN flag boolean DEFAULT false;
ALTER TABLE accounts ADD COLUMN token float DEFAULT random();
ALTER TABLE accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0);
ALTER TABLE accounts ADD CONSTRAINT balance_small CHECK (balance < 100) NOT VALID;
ALTER TABLE accounts VALIDATE CONSTRAINT balance_small;
CREATE INDEX accounts_balance ON accounts (balance);
ALTER TABLE accounts ALTER COLUMN note SET NOT NULL;
ALTER TABLE accounts ADD COLUMN owner_id bigint REFERENCES owners (id);
ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID;
ALTER TABLE accounts SET UNLOGGED;
COMMENT ON TABLE accounts IS 'money';
