"""The workload index advisor (``pgsage advise``).

workload (pg_stat_statements, a SQL file, a PostgreSQL log) ─▶ analysis (pglast, resolved
against the catalog) ─▶ candidates ─▶ what-if costing (HypoPG, or real indexes in a rolled-back
transaction) ─▶ greedy search under a budget ─▶ recommendations ─▶ renderers, Alembic, apply.
"""
