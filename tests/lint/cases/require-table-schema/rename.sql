-- expect: 2
ALTER TABLE orders RENAME TO purchases;
ALTER TABLE public.orders RENAME COLUMN a TO b;
