-- expect: none
CREATE TABLE table_very_long_very_long_very_long_very_long_very_long_very_lo (id bigint);
