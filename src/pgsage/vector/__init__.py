"""pgvector recall tuning: measured recall@k and latency of ANN indexes per query-time setting
(``pgsage vector tune``), the cheapest setting that reaches a target, and the record of the
measurements that the vector audit checks read."""
