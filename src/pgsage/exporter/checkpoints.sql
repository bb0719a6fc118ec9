-- Checkpoint counters: pg_catalog.pg_stat_checkpointer on 17+, pg_catalog.pg_stat_bgwriter before.
SELECT num_timed::float8 AS timed, num_requested::float8 AS requested,               -- pg>=17
       write_time::float8 / 1000 AS write_s, sync_time::float8 / 1000 AS sync_s,       -- pg>=17
       buffers_written::float8 AS buffers_written                                      -- pg>=17
FROM pg_catalog.pg_stat_checkpointer                                                              -- pg>=17
SELECT checkpoints_timed::float8 AS timed, checkpoints_req::float8 AS requested,      -- pg<17
       checkpoint_write_time::float8 / 1000 AS write_s,                                -- pg<17
       checkpoint_sync_time::float8 / 1000 AS sync_s,                                  -- pg<17
       buffers_checkpoint::float8 AS buffers_written                                   -- pg<17
FROM pg_catalog.pg_stat_bgwriter                                                                  -- pg<17
