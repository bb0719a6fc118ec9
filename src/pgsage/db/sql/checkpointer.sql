-- Checkpoint counters: pg_catalog.pg_stat_checkpointer on 17+, pg_catalog.pg_stat_bgwriter before.
SELECT num_timed::bigint AS timed, num_requested::bigint AS requested,        -- pg>=17
       write_time::float8 AS write_time_ms, sync_time::float8 AS sync_time_ms,  -- pg>=17
       buffers_written::bigint AS buffers_written, stats_reset                  -- pg>=17
FROM pg_catalog.pg_stat_checkpointer                                                       -- pg>=17
SELECT checkpoints_timed::bigint AS timed, checkpoints_req::bigint AS requested,      -- pg<17
       checkpoint_write_time::float8 AS write_time_ms,                                 -- pg<17
       checkpoint_sync_time::float8 AS sync_time_ms,                                   -- pg<17
       buffers_checkpoint::bigint AS buffers_written, stats_reset                      -- pg<17
FROM pg_catalog.pg_stat_bgwriter                                                                  -- pg<17
