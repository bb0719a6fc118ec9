-- Live tables with a row each, so that lint --dsn grades rather than drops its warnings.
CREATE TABLE owners (id bigint PRIMARY KEY);
CREATE TABLE accounts (id bigint PRIMARY KEY, balance integer NOT NULL, note varchar(20));
INSERT INTO owners VALUES (1);
INSERT INTO accounts VALUES (1, 10, 'x');
