-- expect: 2
ALTER TABLE users RENAME TO accounts;
