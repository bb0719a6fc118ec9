-- expect: none
CREATE TYPE order_state AS ENUM ('new', 'paid');
