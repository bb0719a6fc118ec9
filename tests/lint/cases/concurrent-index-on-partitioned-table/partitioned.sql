-- expect: 3
CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
CREATE INDEX CONCURRENTLY ix_events_at ON events (at);
