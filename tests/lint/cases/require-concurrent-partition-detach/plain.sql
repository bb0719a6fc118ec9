-- expect: 2
ALTER TABLE events DETACH PARTITION events_2020;
