-- expect: 2, 3
ALTER TABLE items ADD PRIMARY KEY (id);
ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;
