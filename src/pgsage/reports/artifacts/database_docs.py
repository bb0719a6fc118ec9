"""The database's documents: performance audit, slow queries, index strategy, vector search and
monitoring — each a view of the audit (and advisor) findings by what a reader needs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pgsage.model import Finding, Report
from pgsage.reports.artifacts import document as d
from pgsage.reports.artifacts.inputs import (
    ADVISE,
    CAPTURE,
    DATABASE,
    VECTOR,
    VECTOR_TUNE,
    WORKLOAD,
    ArtifactInputs,
)

INDEX_CHECKS = frozenset({"jsonb-without-gin", "like-without-trigram", "partial-index-opportunity"})
MONITORING_CATEGORIES = frozenset({"settings", "activity", "replication"})
MONITORING_CHECKS = frozenset({"pg-stat-statements-missing"})
WORKLOAD_LISTED = 10


def _findings(
    report: Report | None, keep: Callable[[Finding], bool] = lambda _f: True
) -> list[Finding]:
    return [f for f in report.findings if keep(f)] if report is not None else []


def _missing(inputs: ArtifactInputs, *keys: str) -> list[d.NotChecked]:
    return [d.NotChecked(f"{key}", inputs.missing[key]) for key in keys if key in inputs.missing]


def _server_line(inputs: ArtifactInputs) -> str:
    server = inputs.audit.server if inputs.audit is not None else None
    if server is None:
        return "No database was examined."
    return (
        f"Database `{server.database}` on PostgreSQL {server.version} as `{server.user}`"
        f"{' (superuser)' if server.superuser else ''}."
    )


def _run(inputs: ArtifactInputs, key: str, fallback: str) -> str:
    return f"`{inputs.commands.get(key, fallback)}`"


def performance_audit(inputs: ArtifactInputs) -> str:
    doc = d.Document("Performance audit")
    doc.add(_server_line(inputs), "")
    found = _findings(inputs.audit)
    d.summary(doc, found, "No check found a problem in what was examined (see *Not checked*).")
    if inputs.audit is not None:
        counts = _category_counts(inputs.audit)
        doc.section("Checks by category")
        doc.add("| category | checks run | findings |", "| --- | ---: | ---: |")
        doc.add(*(f"| {c} | {ran} | {n} |" for c, (ran, n) in sorted(counts.items())))
        doc.add("")
    d.evidence_tables(doc, found)
    d.fixes(doc, found)
    d.verify(
        doc,
        [
            f"Re-run the audit after applying the fixes: {_run(inputs, 'audit', 'pgsage audit')}; "
            "each fixed finding is gone from its table.",
            "Apply `scripts/db_optimization.sql` (it is idempotent: a second run changes nothing).",
        ],
    )
    d.not_checked(doc, _missing(inputs, DATABASE) + _privileges(inputs) + d.not_run(inputs.audit))
    return doc.text()


def _privileges(inputs: ArtifactInputs) -> list[d.NotChecked]:
    server = inputs.audit.server if inputs.audit is not None else None
    if server is None or server.superuser or server.can_read_all_stats:
        return []
    return [
        d.NotChecked(
            "other sessions' statements and activity",
            f"`{server.user}` is neither superuser nor a member of pg_read_all_stats: "
            "queries and activity of other roles are hidden (GRANT pg_read_all_stats TO "
            f"{server.user};)",
        )
    ]


def _category_counts(report: Report) -> dict[str, tuple[int, int]]:
    category_of = {r.check: r.findings[0].category for r in report.results if r.findings}
    category_of.update({rule.id: rule.category for rule in report.rules})
    counts: dict[str, tuple[int, int]] = {}
    for result in report.results:
        category = category_of.get(result.check, "other")
        ran, found = counts.get(category, (0, 0))
        counts[category] = (ran + int(result.status.ran), found + len(result.findings))
    return counts


def _workload_table(doc: d.Document, workload: Report | None) -> None:
    statements = _findings(workload)
    if not statements:
        return
    doc.section("Top statements by total time (pg_stat_statements)")
    doc.add(
        "| # | calls | total ms | mean ms | max ms | rows | cache hit % | statement |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    )
    ordered = sorted(statements, key=lambda f: -d.number(f.evidence.get("total_ms")))
    for rank, f in enumerate(ordered[:WORKLOAD_LISTED], 1):
        e = f.evidence
        doc.add(
            f"| {rank} | {e.get('calls')} | {e.get('total_ms')} | {e.get('mean_ms')} "
            f"| {e.get('max_ms')} | {e.get('rows')} | {e.get('hit_percent')} "
            f"| {d.code_span(str(e.get('statement', '')))} |"
        )
    doc.add("")


def slow_queries(inputs: ArtifactInputs) -> str:
    doc = d.Document("Slow queries report")
    doc.add(_server_line(inputs), "")
    found = _findings(inputs.audit, lambda f: f.category == "queries")
    slow_orm = _findings(inputs.nplusone, lambda f: f.check == "slow-orm-query")
    advised = _findings(inputs.advise)
    nothing = "No statement crossed the slow-query thresholds" + (
        " and the advisor found no index that pays for itself."
        if inputs.advise is not None
        else " (the index advisor did not run: see *Not checked*)."
    )
    d.summary(doc, found + slow_orm + advised, nothing)
    _workload_table(doc, inputs.workload)
    d.evidence_tables(doc, found + slow_orm)
    d.evidence_tables(doc, advised, "Indexes that would speed the workload up (advisor)")
    d.fixes(doc, found + advised)
    d.verify(
        doc,
        [
            "After the indexes exist, run `EXPLAIN (ANALYZE, BUFFERS)` on each statement above: "
            "the plan uses the new index and the time drops.",
            "Reset and compare: `SELECT pg_stat_statements_reset();`, let the workload run, then "
            f"{_run(inputs, 'audit', 'pgsage audit')} --select slow-query,top-time-query.",
        ],
    )
    items = _missing(inputs, DATABASE, WORKLOAD, ADVISE, CAPTURE)
    items += _checks_not_run(
        inputs.audit, lambda c: c.startswith(("slow", "top", "temp", "low", "high", "pg-stat"))
    )
    d.not_checked(doc, items + d.not_run(inputs.advise))
    return doc.text()


def _checks_not_run(report: Report | None, keep: Callable[[str], bool]) -> list[d.NotChecked]:
    return [item for item in d.not_run(report) if keep(item.what.strip("`").split("`")[0])]


def index_strategy(inputs: ArtifactInputs) -> str:
    doc = d.Document("Index strategy")
    doc.add(_server_line(inputs), "")
    found = _findings(inputs.audit, lambda f: f.category == "indexes" or f.check in INDEX_CHECKS)
    advised = _findings(inputs.advise)
    d.summary(doc, found + advised, "No index problem was found and no new index is advised.")
    doc.section("Strategy")
    doc.add(
        "1. Rebuild or drop INVALID indexes (a failed `CREATE INDEX CONCURRENTLY` leaves one "
        "behind: it slows every write and serves no read).",
        "2. Drop duplicates and prefixes of other indexes (each costs writes, memory and vacuum).",
        "3. Create the missing indexes — foreign keys, the workload's filters and orderings — "
        "always `CONCURRENTLY` after a `lock_timeout`.",
        "4. Review never-used indexes over a full business cycle before dropping them (the "
        "script leaves those drops commented out).",
        "",
    )
    d.evidence_tables(doc, found)
    d.evidence_tables(doc, advised, "Advised indexes (what-if costing of the workload)")
    d.fixes(doc, found + advised)
    d.verify(
        doc,
        [
            "`SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;` returns no row.",
            "After a day of traffic, `pg_stat_user_indexes.idx_scan` of each new index is above 0.",
            f"Re-run {_run(inputs, 'audit', 'pgsage audit')} --select duplicate-index,"
            "redundant-index,fk-without-index,invalid-index: no finding.",
        ],
    )
    items = _missing(inputs, DATABASE, ADVISE, WORKLOAD)
    items += _checks_not_run(inputs.audit, lambda c: "index" in c)
    d.not_checked(doc, items + d.not_run(inputs.advise))
    return doc.text()


def vector_optimization(inputs: ArtifactInputs) -> str:
    doc = d.Document("pgvector optimization")
    doc.add(_server_line(inputs), "")
    found = _findings(inputs.audit, lambda f: f.category == "vector")
    d.summary(doc, found, "No pgvector problem was found in what was examined.")
    doc.section("Rules of thumb")
    doc.add(
        "- IVFFlat: build after the data is loaded, `lists ≈ rows / 1000` (up to 1M rows), "
        "`sqrt(rows)` above; `ivfflat.probes ≈ sqrt(lists)` for recall.",
        "- HNSW: `m = 16`, `ef_construction = 64` to start; raise `hnsw.ef_search` for recall.",
        "- The index's operator class must match the query's distance operator "
        "(`<=>` cosine, `<->` L2, `<#>` inner product).",
        "- Filter first (by tenant, assistant, document), then order by distance.",
        "",
    )
    d.evidence_tables(doc, found)
    d.fixes(doc, found)
    measured = _findings(inputs.vector)
    if measured:
        doc.section("Measured recall")
        doc.add(
            "Recall@k of each ANN index against an exact scan, per query-time setting, on a "
            "held-out sample of the column's rows (`pgsage vector tune`; its output adds the "
            "p50/p95 latency of each setting, left out here so that the file diffs well).",
            "",
        )
        d.evidence_tables(doc, measured)
        d.fixes(doc, measured)
    d.verify(
        doc,
        [
            "`EXPLAIN` a nearest-neighbour query (`ORDER BY embedding <=> $1 LIMIT 10`): the plan "
            "shows an Index Scan on the ANN index.",
            "Measure recall against an exact scan (`SET enable_indexscan = off`) on a sample of "
            "queries before and after changing lists/probes.",
        ],
    )
    items = _missing(inputs, DATABASE, VECTOR, VECTOR_TUNE)
    items += _checks_not_run(
        inputs.audit, lambda c: any(k in c for k in ("ivf", "hnsw", "ann", "vector", "opclass"))
    )
    d.not_checked(doc, items)
    return doc.text()


def monitoring_setup(inputs: ArtifactInputs) -> str:
    doc = d.Document("Monitoring setup")
    doc.add(_server_line(inputs), "")
    found = _findings(
        inputs.audit,
        lambda f: f.category in MONITORING_CATEGORIES or f.check in MONITORING_CHECKS,
    )
    d.summary(doc, found, "The settings monitoring depends on are in place.")
    doc.section("What to run")
    doc.add(
        "- The exporter: `pgsage exporter --dsn ...` (Prometheus metrics on `:9187/metrics`).",
        "- Alert rules: `pgsage monitoring rules > pgsage-rules.yml` (Prometheus).",
        "- Dashboard: `pgsage monitoring dashboard > pgsage-dashboard.json` (Grafana).",
        "",
    )
    if inputs.monitoring_plan:
        doc.section("Monitoring plan")
        doc.add(_demote(inputs.monitoring_plan), "")
    d.evidence_tables(doc, found)
    d.fixes(doc, found)
    d.verify(
        doc,
        [
            "`curl -s localhost:9187/metrics | grep pgsage_up` returns 1.",
            "`promtool check rules pgsage-rules.yml` passes; the rules show in Prometheus' "
            "*Alerts* page.",
            "Open a transaction and leave it idle past the threshold: `PostgresLongTransaction` "
            "fires.",
        ],
    )
    d.not_checked(doc, _missing(inputs, DATABASE) + _checks_not_run(inputs.audit, _is_setting))
    return doc.text()


def _is_setting(check: str) -> bool:
    return any(k in check for k in ("timeout", "log", "track", "pg-stat", "connections", "lag"))


def _demote(markdown: str) -> str:
    """Headings of an embedded document one level down (it sits under a ## section)."""
    lines = markdown.strip().splitlines()
    return "\n".join(f"#{line}" if line.startswith("#") else line for line in lines)


def documents() -> Sequence[tuple[str, Callable[[ArtifactInputs], str]]]:
    return (
        ("db/performance_audit.md", performance_audit),
        ("db/slow_queries_report.md", slow_queries),
        ("db/index_strategy.md", index_strategy),
        ("db/vector_optimization.md", vector_optimization),
        ("db/monitoring_setup.md", monitoring_setup),
    )
