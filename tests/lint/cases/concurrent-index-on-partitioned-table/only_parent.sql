-- expect: none
CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
CREATE INDEX ix_events_at ON ONLY events (at);
CREATE INDEX CONCURRENTLY ix_events_2024_at ON events_2024 (at);
ALTER INDEX ix_events_at ATTACH PARTITION ix_events_2024_at;
