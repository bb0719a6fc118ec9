-- The live table the traced statements change.
CREATE TABLE accounts (id bigint PRIMARY KEY, balance integer NOT NULL, note varchar(20));
