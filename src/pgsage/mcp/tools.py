"""The MCP tools: typed inputs, a typed JSON result and a one-line summary each.

Every tool is a thin adapter over :mod:`pgsage.mcp.capabilities` (the command functions) or
:mod:`pgsage.mcp.safesql` (read-only SQL). A tool never decides what a check, a lint rule or the
advisor decides. Errors a user can cause become :class:`ToolFailure` with one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from pgsage.db.connect import DEFAULT_TARGET, normalize_dsn, redact
from pgsage.db.pool import SessionPool
from pgsage.db.rows import Column, Constraint, Index, Statement, Table
from pgsage.errors import PgsageError
from pgsage.mcp import capabilities
from pgsage.mcp.safesql import SqlPolicy, catalog_rows, explain, run_sql
from pgsage.model import Status
from pgsage.settings import Settings

if TYPE_CHECKING:
    from pgsage.advise.samplestore import SampleStore


class ToolFailure(PgsageError):
    """What a tool reports as an error result (refusals, bad input, connection errors)."""


@dataclass
class ServerConfig:
    """What ``pgsage mcp`` serves: the targets (name → DSN; empty means the embedded server),
    the SQL policy, the folders path-taking tools may read, and where migrations are checked."""

    targets: dict[str, str] = field(default_factory=dict)
    policy: SqlPolicy = field(default_factory=SqlPolicy)
    settings: Settings = field(default_factory=Settings)
    roots: tuple[Path, ...] = ()
    scratch_dsn: str | None = None
    # The sessions kept between calls (pgsage mcp's pool): told each target served.
    sessions: SessionPool | None = None
    # The advisor's sampled copies kept between calls (closed with the server).
    samples: SampleStore | None = None
    _embedded: str | None = None

    def dsn(self, target: str | None) -> str:
        if not self.targets:
            if target not in (None, "", DEFAULT_TARGET):
                raise ToolFailure(f"unknown target {target!r}: only {DEFAULT_TARGET!r} is served")
            if self._embedded is None:
                self._embedded = capabilities.embedded_dsn(self.settings)
                if self.sessions is not None:
                    self.sessions.serve(self._embedded)
            return self._embedded
        if target:
            if target not in self.targets:
                raise ToolFailure(
                    f"unknown target {target!r}; served: {', '.join(sorted(self.targets))}"
                )
            return self.targets[target]
        if DEFAULT_TARGET in self.targets:
            return self.targets[DEFAULT_TARGET]
        if len(self.targets) == 1:
            return next(iter(self.targets.values()))
        raise ToolFailure(f"name a target: {', '.join(sorted(self.targets))}")

    def settings_for(self, dsn: str, **update: Any) -> Settings:
        return self.settings.model_copy(
            update={
                "dsn": normalize_dsn(dsn),
                "statement_timeout_ms": self.policy.statement_timeout_ms,
                "lock_timeout_ms": self.policy.lock_timeout_ms,
                "application_name": self.policy.application_name,
                **update,
            }
        )

    def path(self, value: str, *, kind: str = "file") -> Path:
        """A path a tool may read: inside one of the roots (default: the working directory
        the server started in); relative paths are taken from the first root."""
        roots = self.roots or (Path.cwd(),)
        raw = Path(value).expanduser()
        path = (raw if raw.is_absolute() else roots[0] / raw).resolve()
        if not any(path == r.resolve() or path.is_relative_to(r.resolve()) for r in roots):
            raise ToolFailure(
                f"{value} is outside the folders this server may read "
                f"({', '.join(str(r) for r in roots)}; see --root)"
            )
        if not path.exists():
            raise ToolFailure(f"no such {kind}: {value}")
        return path


# -- output models ---------------------------------------------------------------------------
class SchemaInfo(BaseModel):
    name: str
    owner: str
    tables: int
    views: int
    indexes: int
    sequences: int
    size_bytes: int


class ListSchemasOut(BaseModel):
    target: str
    schemas: list[SchemaInfo]


class ObjectInfo(BaseModel):
    schema_name: str = Field(alias="schema")
    name: str
    kind: str  # table, partitioned table, view, materialized view, index, sequence, foreign table
    table: str | None = None  # for an index: its table
    rows_estimate: float | None = None
    size_bytes: int | None = None

    model_config = {"populate_by_name": True}


class ListObjectsOut(BaseModel):
    target: str
    schema_name: str = Field(alias="schema")
    objects: list[ObjectInfo]
    truncated: bool

    model_config = {"populate_by_name": True}


class DescribeTableOut(BaseModel):
    target: str
    table: Table
    columns: list[Column]
    indexes: list[Index]
    constraints: list[Constraint]
    referenced_by: list[Constraint]


class FindingOut(BaseModel):
    check: str
    category: str
    severity: str
    object: str
    message: str
    evidence: dict[str, Any]
    recommendation: str
    fix_sql: str | None
    fix_alembic: str | None
    location: dict[str, Any] | None = None


class NotRunOut(BaseModel):
    check: str
    status: str
    reason: str | None


class AuditOut(BaseModel):
    target: str
    server: dict[str, Any] | None
    findings: list[FindingOut]
    not_run: list[NotRunOut]
    checks_run: int
    counts: dict[str, int]


class TopQueriesOut(BaseModel):
    target: str
    status: str  # pg_stat_statements: ok, not-installed, not-preloaded, not-available, error
    detail: str | None
    order_by: str
    statements: list[Statement]
    total_statements: int


class ExplainOut(BaseModel):
    statement: str
    analyzed: bool
    total_cost: float | None
    plan: Any
    hypothetical_indexes: list[str]
    used_hypothetical_indexes: list[str]
    total_cost_without: float | None
    plan_without: Any = None


class AdviseOut(BaseModel):
    target: str
    recommendations: list[dict[str, Any]]
    queries: list[dict[str, Any]]
    drops: list[dict[str, Any]]
    notes: list[str]
    costing: str
    alembic_revision: str | None
    ddl: str


class LintViolationOut(BaseModel):
    file: str
    line: int
    column: int
    rule: str
    severity: str
    message: str
    fix: str
    revision: str | None
    downgrade: bool


class LintOut(BaseModel):
    violations: list[LintViolationOut]
    errors: list[dict[str, str]]
    files: int
    statements: int
    notes: list[str]


class MigrationFindingOut(BaseModel):
    check: str
    severity: str
    revision: str | None
    file: str | None
    line: int | None
    message: str
    details: list[str]


class CheckMigrationsOut(BaseModel):
    project: str
    stages: dict[str, str]
    findings: list[MigrationFindingOut]


class NPlusOneOut(BaseModel):
    report: str
    findings: list[dict[str, Any]]
    slow: list[dict[str, Any]]
    problem_units: int
    markdown: str


class MetricSample(BaseModel):
    name: str
    labels: dict[str, str]
    value: float


class AlertState(BaseModel):
    alert: str
    severity: str
    state: Literal["firing", "ok", "needs-prometheus", "no-data"]
    threshold: float | None
    value: float | None
    labels: dict[str, str] | None
    expr: str
    summary: str
    runbook: str


class MonitoringOut(BaseModel):
    target: str
    up: bool
    metrics: list[MetricSample]
    alerts: list[AlertState]


class RunSqlOut(BaseModel):
    statement: str
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    truncated_reason: str | None


@dataclass(frozen=True)
class Result:
    """A tool's structured result and its one-paragraph summary for the model to read."""

    data: BaseModel
    summary: str


# -- catalog listings (fixed, parameterised statements) ---------------------------------------
_SCHEMAS = """
SELECT n.nspname, pg_catalog.pg_get_userbyid(n.nspowner),
       pg_catalog.count(*) FILTER (WHERE c.relkind IN ('r', 'p')),
       pg_catalog.count(*) FILTER (WHERE c.relkind IN ('v', 'm')),
       pg_catalog.count(*) FILTER (WHERE c.relkind IN ('i', 'I')),
       pg_catalog.count(*) FILTER (WHERE c.relkind = 'S'),
       coalesce(pg_catalog.sum(c.relpages::bigint)
                  FILTER (WHERE c.relkind IN ('r', 'm', 'i', 't')), 0)
         * pg_catalog.current_setting('block_size')::bigint
FROM pg_catalog.pg_namespace n LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
WHERE n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
  AND (%(system)s OR n.nspname NOT IN ('pg_catalog', 'information_schema'))
GROUP BY n.oid, n.nspname ORDER BY n.nspname
"""
_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "i": "index",
    "I": "partitioned index",
    "S": "sequence",
    "f": "foreign table",
}
_OBJECTS = """
SELECT n.nspname, c.relname, c.relkind::text, t.relname,
       CASE WHEN c.relkind IN ('r', 'p', 'm', 'i') THEN c.reltuples::float8 END,
       CASE WHEN c.relkind IN ('r', 'm', 'i', 'S') THEN c.relpages::bigint
            * pg_catalog.current_setting('block_size')::bigint END
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index x ON x.indexrelid = c.oid
LEFT JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
WHERE n.nspname = %(schema)s AND c.relkind = ANY(%(kinds)s)
  AND (%(pattern)s::text IS NULL OR c.relname ILIKE %(pattern)s)
ORDER BY c.relkind, c.relname
LIMIT %(limit)s
"""


class Tools:
    """The tools' bodies, over one :class:`ServerConfig`."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config

    def _name(self, target: str | None) -> str:
        return target or DEFAULT_TARGET

    def list_schemas(self, target: str | None, include_system: bool) -> Result:
        dsn = self.config.dsn(target)
        rows = catalog_rows(dsn, self.config.policy, _SCHEMAS, {"system": include_system})
        schemas = [
            SchemaInfo(
                name=r[0],
                owner=r[1],
                tables=r[2],
                views=r[3],
                indexes=r[4],
                sequences=r[5],
                size_bytes=int(r[6]),
            )
            for r in rows
        ]
        names = ", ".join(s.name for s in schemas[:20])
        return Result(
            ListSchemasOut(target=self._name(target), schemas=schemas),
            f"{len(schemas)} schemas: {names}",
        )

    def list_objects(
        self,
        schema: str,
        kinds: list[str] | None,
        name_pattern: str | None,
        limit: int,
        target: str | None,
    ) -> Result:
        dsn = self.config.dsn(target)
        wanted = kinds or ["table", "partitioned table", "view", "materialized view", "sequence"]
        codes = [code for code, kind in _KINDS.items() if kind in wanted]
        unknown = set(wanted) - set(_KINDS.values())
        if unknown:
            raise ToolFailure(
                f"unknown kind(s) {sorted(unknown)}; kinds: {', '.join(_KINDS.values())}"
            )
        rows = catalog_rows(
            dsn,
            self.config.policy,
            _OBJECTS,
            {"schema": schema, "kinds": codes, "pattern": name_pattern, "limit": limit + 1},
        )
        objects = [
            ObjectInfo(
                schema=r[0],
                name=r[1],
                kind=_KINDS[r[2]],
                table=r[3],
                rows_estimate=r[4],
                size_bytes=r[5],
            )
            for r in rows[:limit]
        ]
        return Result(
            ListObjectsOut(
                target=self._name(target),
                schema=schema,
                objects=objects,
                truncated=len(rows) > limit,
            ),
            f"{len(objects)} objects in schema {schema!r}"
            + (" (more exist: raise limit or give name_pattern)" if len(rows) > limit else ""),
        )

    def describe_table(self, schema: str, table: str, target: str | None) -> Result:
        dsn = self.config.dsn(target)
        snap = capabilities.snapshot(self.config.settings_for(dsn))
        found = snap.tables_by_name.get((schema, table))
        if found is None:
            near = sorted(t.name for t in snap.tables if t.schema == schema)[:20]
            raise ToolFailure(
                f"no table {schema!r}.{table!r}"
                + (f"; tables in {schema!r}: {', '.join(near)}" if near else "")
            )
        columns = [c for c in snap.columns if c.table_oid == found.oid]
        indexes = [i for i in snap.indexes if i.table_oid == found.oid]
        constraints = [c for c in snap.constraints if (c.schema, c.table) == (schema, table)]
        referenced = [
            c
            for c in snap.constraints
            if c.type == "f" and (c.ref_schema, c.ref_table) == (schema, table)
        ]
        return Result(
            DescribeTableOut(
                target=self._name(target),
                table=found,
                columns=sorted(columns, key=lambda c: c.attnum),
                indexes=indexes,
                constraints=constraints,
                referenced_by=referenced,
            ),
            f"{found.qualified}: ~{found.estimated_rows:.0f} rows, {found.total_bytes} bytes, "
            f"{len(columns)} columns, {len(indexes)} indexes, {len(constraints)} constraints",
        )

    def audit(self, select: list[str], ignore: list[str], target: str | None) -> Result:
        dsn = self.config.dsn(target)
        update: dict[str, Any] = {}
        if select:
            update["select"] = select
        if ignore:
            update["ignore"] = [*self.config.settings.ignore, *ignore]
        report = capabilities.audit(self.config.settings_for(dsn, **update))
        fields = FindingOut.model_fields
        findings = [
            FindingOut(**{k: v for k, v in finding.to_json().items() if k in fields})
            for finding in report.findings
        ]
        not_run = [NotRunOut(**r.to_json()) for r in report.not_run()]
        counts: dict[str, int] = {}
        for finding in report.findings:
            counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
        top = "; ".join(f"{f.severity}: {f.check} on {f.object}" for f in findings[:5])
        return Result(
            AuditOut(
                target=self._name(target),
                server=report.server.to_json() if report.server is not None else None,
                findings=findings,
                not_run=not_run,
                checks_run=sum(1 for r in report.results if r.status.ran),
                counts=counts,
            ),
            f"{len(findings)} findings ({', '.join(f'{v} {k}' for k, v in counts.items()) or 'none'})"
            f" from {len(report.results)} checks, {len(not_run)} not run"
            + (f". First: {top}" if top else ""),
        )

    def top_queries(
        self, order_by: Literal["total_time", "mean_time", "calls"], limit: int, target: str | None
    ) -> Result:
        dsn = self.config.dsn(target)
        found, info = capabilities.statements(self.config.settings_for(dsn))
        key: Callable[[Statement], float] = {
            "total_time": lambda s: s.total_exec_time,
            "mean_time": lambda s: s.mean_exec_time,
            "calls": lambda s: float(s.calls),
        }[order_by]
        statements = sorted(found, key=key, reverse=True)[:limit]
        summary = (
            f"{len(statements)} statements by {order_by}"
            if info.status == "ok"
            else f"pg_stat_statements is {info.status}: {info.detail or ''}"
        )
        if statements:
            first = statements[0]
            summary += (
                f"; first: {first.total_exec_time:.0f} ms total, {first.mean_exec_time:.2f} ms "
                f"mean, {first.calls} calls: {first.query[:120]}"
            )
        return Result(
            TopQueriesOut(
                target=self._name(target),
                status=info.status,
                detail=info.detail,
                order_by=order_by,
                statements=statements,
                total_statements=len(found),
            ),
            summary,
        )

    def explain(
        self,
        query: str,
        hypothetical_indexes: list[str],
        analyze: bool,
        target: str | None,
    ) -> Result:
        dsn = self.config.dsn(target)
        plan = explain(dsn, query, self.config.policy, hypothetical_indexes, analyze)
        summary = f"total cost {plan.total_cost}"
        if plan.hypothetical:
            summary = (
                f"cost {plan.total_cost_without} without, {plan.total_cost} with the "
                f"hypothetical indexes; used: {', '.join(plan.used_hypothetical) or 'none'}"
            )
        return Result(
            ExplainOut(
                statement=plan.statement,
                analyzed=plan.analyzed,
                total_cost=plan.total_cost,
                plan=plan.plan,
                hypothetical_indexes=list(plan.hypothetical),
                used_hypothetical_indexes=list(plan.used_hypothetical),
                total_cost_without=plan.total_cost_without,
                plan_without=plan.plan_without,
            ),
            summary,
        )

    def advise_indexes(self, request: capabilities.AdviseRequest, target: str | None) -> Result:
        from pgsage.mcp.safesql import check_sql

        dsn = self.config.dsn(target)
        for query in request.queries:
            check_sql(query, self.config.policy, "plan")
        request = replace(request, scratch_dsn=self.config.scratch_dsn)
        advice = capabilities.advise(
            dsn, self.config.settings_for(dsn), request, self.config.samples
        )
        document = capabilities.advice_json(advice)
        ddl = "\n".join(r["ddl"] for r in document["recommendations"])
        return Result(
            AdviseOut(
                target=self._name(target),
                recommendations=document["recommendations"],
                queries=document["queries"],
                drops=document.get("drops", []),
                notes=document.get("notes", []),
                costing=advice.costing,
                alembic_revision=capabilities.advice_alembic(advice),
                ddl=ddl,
            ),
            f"{len(document['recommendations'])} index(es) recommended for "
            f"{len(document['queries'])} statements. "
            + " ".join(capabilities.advice_totals(advice))
            + (f":\n{ddl}" if ddl else ""),
        )

    def lint_migration(
        self, sql_text: str | None, path: str | None, pg_version: int | None
    ) -> Result:
        if bool(sql_text) == bool(path):
            raise ToolFailure("give either sql (migration text) or path (a file or folder)")
        if sql_text:
            report = capabilities.lint_sql(sql_text, pg_version, self.config.settings)
        else:
            assert path is not None
            report = capabilities.lint_paths(
                [self.config.path(path)], pg_version, self.config.settings
            )
        violations = [
            LintViolationOut(
                file=f.location.file,
                line=f.location.line or 0,
                column=f.location.column or 0,
                rule=f.check,
                severity=f.severity.value,
                message=f.message,
                fix=f.fix_sql or "",
                revision=f.location.revision,
                downgrade=f.location.downgrade,
            )
            for f in report.findings
            if f.location is not None
        ]
        errors = [
            {"file": r.check, "message": r.reason or ""}
            for r in report.results
            if r.status is Status.ERROR
        ]
        statements = report.stats.get("statements", 0)
        first = "; ".join(f"{v.rule} at {v.file}:{v.line}" for v in violations[:5])
        return Result(
            LintOut(
                violations=violations,
                errors=errors,
                files=report.stats.get("files", 0),
                statements=statements,
                notes=list(report.notes),
            ),
            f"{len(violations)} violations in {statements} statements"
            + (f": {first}" if first else ""),
        )

    def check_migrations(self, project: str, run_on_server: bool) -> Result:
        from pgsage.commands.migrations import stage_summary
        from pgsage.migrations.findings import details_of

        path = self.config.path(project, kind="Alembic project")
        report = capabilities.check_migrations(path, self.config.scratch_dsn, run_on_server)
        stages = stage_summary(report)
        findings = [
            MigrationFindingOut(
                check=f.check,
                severity=f.severity.value,
                revision=f.location.revision if f.location else None,
                file=f.location.file if f.location else None,
                line=f.location.line if f.location else None,
                message=f.message,
                details=list(details_of(f)),
            )
            for f in report.findings
        ]
        return Result(
            CheckMigrationsOut(project=str(path), stages=stages, findings=findings),
            f"stages: {', '.join(f'{k} {v}' for k, v in stages.items())}; {len(findings)} findings",
        )

    def n_plus_one(self, report: str) -> Result:
        path = self.config.path(report)
        events = capabilities.nplusone_events(path)
        from pgsage.mcp.nplusone import events_to_json

        document = events_to_json(events)
        return Result(
            NPlusOneOut(
                report=str(path),
                findings=document["nplusone"],
                slow=document["slow"],
                problem_units=events.problem_units,
                markdown=capabilities.nplusone_markdown(events),
            ),
            f"{len(events.nplusone)} N+1 patterns, {len(events.slow)} slow statements"
            + "".join(
                f"; {s.finding.title} at {s.finding.call_site}: {s.finding.fix.summary}"
                for s in events.nplusone[:3]
            ),
        )

    def monitoring(self, target: str | None) -> Result:
        dsn = self.config.dsn(target)
        families = capabilities.scrape(dsn)
        samples = [
            MetricSample(name=s.name, labels=dict(s.labels), value=float(s.value))
            for family in families
            for s in family.samples
            if s.value == s.value  # no NaN
        ]
        up = any(s.name == "pgsage_up" and s.value == 1 for s in samples)
        states = evaluate_alerts(samples)
        firing = [a for a in states if a.state == "firing"]
        return Result(
            MonitoringOut(
                target=self._name(target),
                up=up,
                metrics=[
                    s for s in samples if s.name in KEY_METRICS or s.name.startswith(KEY_PREFIXES)
                ],
                alerts=states,
            ),
            f"database {'up' if up else 'DOWN'}; {len(firing)} alert(s) would fire"
            + "".join(f"; {a.alert} ({a.severity}, value {a.value})" for a in firing[:5]),
        )

    def run_sql(self, sql_text: str, max_rows: int | None, target: str | None) -> Result:
        dsn = self.config.dsn(target)
        rows = run_sql(dsn, sql_text, self.config.policy, max_rows)
        return Result(
            RunSqlOut(
                statement=rows.statement,
                columns=rows.columns,
                rows=rows.rows,
                row_count=len(rows.rows),
                truncated=rows.truncated,
                truncated_reason=rows.reason,
            ),
            f"{len(rows.rows)} row(s)" + (f", truncated: {rows.reason}" if rows.reason else ""),
        )

    def describe_targets(self) -> list[dict[str, Any]]:
        if not self.config.targets:
            return [{"name": DEFAULT_TARGET, "dsn": "the embedded server"}]
        return [{"name": n, "dsn": redact(d)} for n, d in sorted(self.config.targets.items())]


# -- alerts evaluated on one scrape ---------------------------------------------------------------
KEY_PREFIXES = (
    "pgsage_up",
    "pgsage_connections",
    "pgsage_oldest_",
    "pgsage_lock_waits",
    "pgsage_database_size",
    "pgsage_database_xid_age",
    "pgsage_database_mxid_age",
    "pgsage_database_cache",
    "pgsage_replication_lag",
    "pgsage_sequence_used_ratio",
    "pgsage_wal_",
    "pgsage_server_",
)
KEY_METRICS = frozenset({"pgsage_exporter_scrape_duration_seconds"})
_SIMPLE = re.compile(
    r"^\s*(?P<metric>[A-Za-z_:][\w:]*)(?:\{(?P<labels>[^}]*)\})?\s*(?P<op>==|>=|<=|>|<)\s*"
    r"(?P<value>\{threshold\}|-?[\d.]+)\s*$"
)
_LABEL = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
_OPS: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}


def evaluate_alerts(samples: list[MetricSample]) -> list[AlertState]:
    """Which of pgsage's alert rules would fire on this one scrape (before their ``for:``
    durations); rules over rates, histograms or other jobs need Prometheus itself."""
    states: list[AlertState] = []
    for alert in capabilities.alerts():
        for tier in alert.tiers:
            expr = tier.expr or alert.expr
            match = _SIMPLE.match(expr)
            base: dict[str, Any] = {
                "alert": alert.name,
                "severity": tier.severity,
                "threshold": tier.threshold,
                "expr": expr.replace("{threshold}", str(tier.threshold)),
                "summary": alert.summary,
                "runbook": alert.runbook,
            }
            if match is None or (match["value"] == "{threshold}" and tier.threshold is None):
                states.append(AlertState(**base, state="needs-prometheus", value=None, labels=None))
                continue
            wanted = dict(_LABEL.findall(match["labels"] or ""))
            limit = tier.threshold if match["value"] == "{threshold}" else float(match["value"])
            assert limit is not None
            candidates = [
                s
                for s in samples
                if s.name == match["metric"]
                and all(s.labels.get(k) == v for k, v in wanted.items())
            ]
            if not candidates:
                states.append(AlertState(**base, state="no-data", value=None, labels=None))
                continue
            compare = _OPS[match["op"]]
            hits = [s for s in candidates if compare(s.value, limit)]
            shown = hits[0] if hits else max(candidates, key=lambda s: s.value)
            states.append(
                AlertState(
                    **base,
                    state="firing" if hits else "ok",
                    value=shown.value,
                    labels=shown.labels,
                )
            )
    return states
