-- expect: 2
ALTER TABLE orders ALTER COLUMN state SET DEFAULT 'new';
