"""``pgsage mcp``: the MCP server (the official SDK's MCPServer) over :mod:`pgsage.mcp.tools`.

Each tool returns structured content (validated against its output schema) plus a short text
summary; anything a user can cause — a refused statement, an unknown table, a bad path, a
connection error — comes back as a tool error with one line, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from pgsage import __version__
from pgsage.errors import PgsageError
from pgsage.mcp import capabilities, prompts
from pgsage.mcp.schemas import plain_schema
from pgsage.mcp.tools import (
    AdviseOut,
    AuditOut,
    CheckMigrationsOut,
    DescribeTableOut,
    ExplainOut,
    LintOut,
    ListObjectsOut,
    ListSchemasOut,
    MonitoringOut,
    NPlusOneOut,
    Result,
    RunSqlOut,
    ServerConfig,
    Tools,
    TopQueriesOut,
)

log = logging.getLogger("pgsage.mcp")

INSTRUCTIONS = """\
pgsage: PostgreSQL performance tools, read-only by construction. Method: audit (or top_queries,
monitoring) → read the evidence (describe_table, explain, run_sql) → propose the fix (the
findings' fix_sql / fix_alembic, advise_indexes' DDL and Alembic revision, lint_migration) →
verify (explain with hypothetical indexes, then audit again after a person applied it). This
server never writes to a database: fixes are applied by a person (or `pgsage advise --apply`).
"""

Target = Annotated[
    str | None,
    Field(
        description="Which served database (see the pgsage://targets resource); default: the default one."
    ),
]
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)


def _call(body: Callable[[], Result]) -> CallToolResult:
    try:
        result = body()
    except PgsageError as exc:
        raise ToolError(str(exc)) from None
    return CallToolResult(
        content=[TextContent(text=result.summary)],
        structured_content=result.data.model_dump(mode="json", by_alias=True),
    )


def build_server(config: ServerConfig) -> MCPServer[Any]:
    tools = Tools(config)
    server: MCPServer[Any] = MCPServer(
        "pgsage", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )

    @server.tool(annotations=READ_ONLY)
    def list_schemas(
        include_system: Annotated[
            bool, Field(description="Include pg_catalog and information_schema.")
        ] = False,
        target: Target = None,
    ) -> Annotated[CallToolResult, ListSchemasOut]:
        """List the database's schemas with their owners and counts of tables, views, indexes
        and sequences. Use it first, to see what a database holds."""
        return _call(lambda: tools.list_schemas(target, include_system))

    @server.tool(annotations=READ_ONLY)
    def list_objects(
        schema: Annotated[str, Field(description="Schema name, exactly as stored (no quoting).")],
        kinds: Annotated[
            list[str] | None,
            Field(
                description="Any of: table, partitioned table, view, materialized view, index, "
                "partitioned index, sequence, foreign table. Default: all but indexes."
            ),
        ] = None,
        name_pattern: Annotated[
            str | None, Field(description="ILIKE pattern on the name, e.g. 'order%'.")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=5000)] = 500,
        target: Target = None,
    ) -> Annotated[CallToolResult, ListObjectsOut]:
        """List tables, views, indexes or sequences of one schema with row estimates and sizes.
        Use it to find the objects to describe or to audit."""
        return _call(lambda: tools.list_objects(schema, kinds, name_pattern, limit, target))

    @server.tool(annotations=READ_ONLY)
    def describe_table(
        schema: Annotated[str, Field(description="Schema name, exactly as stored.")],
        table: Annotated[str, Field(description="Table name, exactly as stored (no quoting).")],
        target: Target = None,
    ) -> Annotated[CallToolResult, DescribeTableOut]:
        """Describe one table: columns (types, statistics), indexes (definition, size, scans),
        constraints, the foreign keys that reference it, sizes, vacuum/analyze times and access
        counters. Use it for the evidence behind a finding or before proposing an index."""
        return _call(lambda: tools.describe_table(schema, table, target))

    @server.tool(annotations=READ_ONLY)
    def audit(
        select: Annotated[
            list[str] | None,
            Field(description="Only these check ids or categories (see pgsage://checks)."),
        ] = None,
        ignore: Annotated[
            list[str] | None, Field(description="Skip these check ids or categories.")
        ] = None,
        target: Target = None,
    ) -> Annotated[CallToolResult, AuditOut]:
        """Run pgsage's health checks (indexes, tables, vacuum, queries, caching, settings,
        schema, vector, replication, security) and return the findings, each with its evidence
        (the numbers that triggered it), a recommendation and the fix as SQL and as an Alembic
        migration. Use it first in a performance review, and again to verify a fix."""
        return _call(lambda: tools.audit(select or [], ignore or [], target))

    @server.tool(annotations=READ_ONLY)
    def top_queries(
        order_by: Literal["total_time", "mean_time", "calls"] = "total_time",
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
        target: Target = None,
    ) -> Annotated[CallToolResult, TopQueriesOut]:
        """The heaviest statements from pg_stat_statements (time, calls, rows, cache and temp
        blocks). Use it to find the slow queries worth explaining or indexing."""
        return _call(lambda: tools.top_queries(order_by, limit, target))

    @server.tool(annotations=READ_ONLY)
    def explain(
        query: Annotated[
            str, Field(description="One SELECT (or INSERT/UPDATE/DELETE to plan only).")
        ],
        hypothetical_indexes: Annotated[
            list[str] | None,
            Field(description="CREATE INDEX statements to try with HypoPG, never built."),
        ] = None,
        analyze: Annotated[
            bool,
            Field(
                description="EXPLAIN ANALYZE (runs the SELECT in a rolled-back read-only "
                "transaction); only when the server was started with --allow-analyze."
            ),
        ] = False,
        target: Target = None,
    ) -> Annotated[CallToolResult, ExplainOut]:
        """The plan of a query (EXPLAIN FORMAT JSON). With hypothetical_indexes, the plan with
        and without them, and which ones the planner would use: use it to verify an index
        before anyone builds it."""
        return _call(lambda: tools.explain(query, hypothetical_indexes or [], analyze, target))

    @server.tool(annotations=READ_ONLY)
    def advise_indexes(
        queries: Annotated[
            list[str] | None,
            Field(
                description="Statements to advise for; default: the pg_stat_statements workload."
            ),
        ] = None,
        top: Annotated[int, Field(ge=1, le=500, description="Workload: the heaviest N.")] = 20,
        min_calls: Annotated[int, Field(ge=1)] = 1,
        max_indexes: Annotated[int | None, Field(ge=1)] = None,
        target: Target = None,
        min_mean_ms: Annotated[
            float, Field(ge=0, description="Workload: statements at least this slow on average.")
        ] = 0.0,
    ) -> Annotated[CallToolResult, AdviseOut]:
        """Recommend indexes for the recorded workload or given queries, costed with HypoPG
        and chosen under a budget; returns the DDL (CONCURRENTLY, lock_timeout), the queries
        each index helps with costs before/after, and an Alembic revision. Needs HypoPG. Use it when queries lack indexes."""
        return _call(
            lambda: tools.advise_indexes(
                capabilities.AdviseRequest(
                    queries=tuple(queries or ()),
                    top=top,
                    min_calls=min_calls,
                    min_mean_ms=min_mean_ms,
                    max_indexes=max_indexes,
                ),
                target,
            )
        )

    @server.tool(annotations=READ_ONLY)
    def lint_migration(
        sql: Annotated[str | None, Field(description="Migration SQL text.")] = None,
        path: Annotated[
            str | None,
            Field(description="A .sql file, an Alembic revision, or a folder of them."),
        ] = None,
        pg_version: Annotated[int | None, Field(ge=9, le=30)] = None,
    ) -> Annotated[CallToolResult, LintOut]:
        """Lint a migration (SQL text, a .sql file or Alembic revisions) for locks, table
        rewrites, breaking changes and transaction mistakes, without a database. Use it to
        review a migration before it is merged."""
        return _call(lambda: tools.lint_migration(sql, path, pg_version))

    @server.tool(annotations=READ_ONLY)
    def check_migrations(
        project: Annotated[
            str, Field(description="alembic.ini, the folder holding it, or the script folder.")
        ],
        run_on_server: Annotated[
            bool,
            Field(
                description="Also upgrade from empty to head, compare with the models and "
                "round-trip each revision, on a scratch database (never a served target)."
            ),
        ] = True,
    ) -> Annotated[CallToolResult, CheckMigrationsOut]:
        """Check an Alembic project: the revision graph (heads, missing downgrades), upgrade on
        a clean database, drift from the models, downgrade/upgrade round-trips. Use it to review an Alembic project before a release."""
        return _call(lambda: tools.check_migrations(project, run_on_server))

    @server.tool(annotations=READ_ONLY)
    def n_plus_one(
        report: Annotated[
            str,
            Field(
                description="A saved instrumentation capture (JSON, "
                "pgsage.instrument.capture.save_capture; the file `pgsage report --nplusone` "
                "reads)."
            ),
        ],
    ) -> Annotated[CallToolResult, NPlusOneOut]:
        """Read an instrumentation report captured by pgsage.instrument (tests or a running
        service) and return its N+1 patterns with the loader fix (selectinload/joinedload...)
        and the n1_queries_fixes.md text. Use it to find and fix N+1 queries."""
        return _call(lambda: tools.n_plus_one(report))

    @server.tool(annotations=READ_ONLY)
    def monitoring(target: Target = None) -> Annotated[CallToolResult, MonitoringOut]:
        """Current key metrics (one exporter scrape: connections, transaction ages, locks,
        wraparound, replication, sequences) and which of pgsage's alert rules would fire now. Use it to see the database's health
        at a glance."""
        return _call(lambda: tools.monitoring(target))

    @server.tool(annotations=READ_ONLY)
    def run_sql(
        sql: Annotated[str, Field(description="Exactly one SELECT, EXPLAIN or SHOW statement.")],
        max_rows: Annotated[int | None, Field(ge=1)] = None,
        target: Target = None,
    ) -> Annotated[CallToolResult, RunSqlOut]:
        """Run one read-only statement (SELECT/VALUES/TABLE, EXPLAIN, SHOW) in a READ ONLY
        transaction that is rolled back, under statement_timeout, with capped results.
        Volatile functions and functions touching files, sessions, locks, settings or sequences
        are refused. Use it for evidence the dedicated tools lack."""
        return _call(lambda: tools.run_sql(sql, max_rows, target))

    _resources(server, tools)
    prompts.register(server)
    _plain_output_schemas(server)
    return server


def _plain_output_schemas(server: MCPServer[Any]) -> None:
    """Each tool's output schema as published, in its plainest equivalent form (schemas.py:
    what a client checks on every call). The SDK keeps a tool's metadata on its tool manager;
    an SDK that keeps it elsewhere leaves the schemas as pydantic wrote them."""
    manager = getattr(server, "_tool_manager", None)
    for tool in manager.list_tools() if manager is not None else ():
        metadata = getattr(tool, "fn_metadata", None)
        schema = getattr(metadata, "output_schema", None)
        if isinstance(schema, dict):
            metadata.output_schema = plain_schema(schema)  # type: ignore[union-attr]


def _resources(server: MCPServer[Any], tools: Tools) -> None:
    @server.resource(
        "pgsage://checks", name="checks", title="pgsage checks", mime_type="text/markdown"
    )
    def checks_index() -> str:
        """The index of pgsage's checks: ids, categories, severities, thresholds."""
        return capabilities.checks_index()

    for file_name, text in capabilities.check_pages().items():
        check_id = file_name.removesuffix(".md")
        server.resource(
            f"pgsage://checks/{check_id}",
            name=check_id,
            description=text.splitlines()[0].lstrip("# "),
            mime_type="text/markdown",
        )(_constant(text))

    @server.resource("pgsage://targets", name="targets", mime_type="application/json")
    def targets() -> list[dict[str, Any]]:
        """The databases this server serves (passwords removed)."""
        return tools.describe_targets()


def _constant(text: str) -> Callable[[], str]:
    def read() -> str:
        return text

    return read
