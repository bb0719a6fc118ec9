-- expect: 2
ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;
