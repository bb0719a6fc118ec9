"""The seeds' workflows as MCP prompts: audit, migration review, N+1, pgvector tuning."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

FULL_AUDIT = """\
Do a full PostgreSQL performance audit of {target} with the pgsage tools, following the method
audit → evidence → fix → verify.

1. `audit` (all checks). Group the findings by category; errors first.
2. `top_queries` by total_time and by mean_time; `monitoring` for what would alert now.
3. For every error/warning finding and each of the 5 heaviest statements, gather evidence:
   `describe_table` for the tables involved, `explain` for the statements.
4. Fixes: take each finding's `fix_sql`/`fix_alembic` as given; run `advise_indexes` on the
   workload for missing indexes; show each index's helped queries and costs before/after.
5. Verify every proposed index with `explain` and `hypothetical_indexes` (the plan must use it
   and get cheaper). Never claim an improvement you did not measure.
6. Write docs/db/performance_audit.md (summary table: problem, evidence, fix, expected gain),
   docs/db/slow_queries_report.md, docs/db/index_strategy.md and scripts/db_optimization.sql
   (the DDL, CONCURRENTLY with lock_timeout). Nothing is applied to the database by you.
"""

REVIEW_MIGRATION = """\
Review the migration {migration} before it is merged.

1. `lint_migration` on it (path, or the SQL text). For each violation, explain the lock or
   rewrite it causes in production and quote the rule's fix.
2. If it is part of an Alembic project, `check_migrations` on the project (graph, upgrade on a
   clean database, drift from the models, round-trips).
3. For new indexes: `explain` with `hypothetical_indexes` on the queries they are for.
4. Answer with: verdict (safe / needs changes), the problems by severity, and the corrected
   migration (CREATE INDEX CONCURRENTLY inside op.get_context().autocommit_block(),
   lock_timeout, NOT VALID then VALIDATE for constraints, backfills in batches).
"""

FIND_N_PLUS_ONE = """\
Find and fix N+1 queries{where}.

1. `n_plus_one` on the saved instrumentation report {report}; if there is none, explain how
   to capture one (pgsage.instrument(engine) in the app or the pytest plugin, then
   pgsage.instrument.capture.save_capture(handle.events.snapshot(), path): the same file
   `pgsage report --nplusone` reads).
2. For each pattern: the call site, the relationship, how many queries it costs, and the fix
   (selectinload / joinedload / contains_eager, or expire_on_commit=False), as a code change.
3. `top_queries` by calls: statements called far more often than the requests serving them
   confirm the pattern in production.
4. Write docs/db/n1_queries_fixes.md with the report's Markdown and the code changes.
"""

TUNE_PGVECTOR = """\
Tune pgvector search on {target}.

1. `audit` with select=["vector"]: missing ANN indexes, ivfflat lists/probes, HNSW m and
   ef_construction, opclass/operator mismatches.
2. `list_objects` / `describe_table` for the tables with vector columns (rows, sizes).
3. `run_sql` for `SHOW ivfflat.probes` and `SHOW hnsw.ef_search`; `explain` the similarity
   queries (ORDER BY embedding <-> ... LIMIT k) to confirm the index is used.
4. Recommend: ivfflat lists ≈ rows/1000 (≤ 1M rows) or sqrt(rows), probes ≈ sqrt(lists);
   HNSW m 16-32, ef_construction ≥ 2·m, ef_search ≥ k; the opclass matching the operator.
   Each with the DDL (CONCURRENTLY) and the recall/latency trade-off to measure.
5. Write docs/db/vector_optimization.md.
"""


def register(server: MCPServer[Any]) -> None:
    @server.prompt(title="Full performance audit")
    def full_performance_audit(target: str = "the default database") -> str:
        """A complete audit: findings, slow queries, indexes, verified fixes, report files."""
        return FULL_AUDIT.format(target=target)

    @server.prompt(title="Review a migration")
    def review_migration(migration: str) -> str:
        """Review a migration file, folder or SQL text for production safety."""
        return REVIEW_MIGRATION.format(migration=migration)

    @server.prompt(title="Find N+1 queries")
    def find_n_plus_one(report: str = "n1_report.json", where: str = "") -> str:
        """Find N+1 queries from an instrumentation report and write their fixes."""
        return FIND_N_PLUS_ONE.format(report=report, where=f" in {where}" if where else "")

    @server.prompt(title="Tune pgvector")
    def tune_pgvector(target: str = "the default database") -> str:
        """Tune pgvector indexes and search parameters."""
        return TUNE_PGVECTOR.format(target=target)
