"""Query checks: what pg_stat_statements says about the workload (slow, heavy, spilling)."""
