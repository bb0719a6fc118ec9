-- Checkpoint counters reset (pg_stat_checkpointer on 17+, pg_stat_bgwriter before; each call
-- fails on the other versions), then twelve CHECKPOINT commands: all requested, none timed.
-- scope: checkpoints-forced
-- expect: checkpoints-forced max_wal_size
-- may-fail
SELECT pg_stat_reset_shared('checkpointer');
-- may-fail
SELECT pg_stat_reset_shared('bgwriter');
CREATE TABLE t (id int);
INSERT INTO t SELECT generate_series(1, 1000);
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
