"""Advice as the one result model: a ``Report(command="advise")`` that every renderer in
``pgsage.reports`` (and ``--fail-on``) understands.

One Finding per recommended index (check ``index-recommendation``, its fix the
``CreateIndex``), one per existing index the recommended set makes redundant
(``index-made-redundant``, its fix the ``DropIndex``); what could not be planned or costed, the
measurements of ``--verify`` and the outcome of ``--apply`` are notes.
"""

from __future__ import annotations

from pgsage.advise.model import (
    Advice,
    DropProposal,
    Measured,
    Recommendation,
    TableStatistics,
    Unconfirmed,
)
from pgsage.advise.uncosted import uncosted
from pgsage.fixes.index import DropIndex
from pgsage.model import CheckResult, Evidence, Finding, ObjectRef, Report, Severity, Status

RECOMMENDATION = "index-recommendation"
REDUNDANT = "index-made-redundant"
STATISTICS = "advice-statistics-missing"
CATEGORY = "indexes"
QUERY_WIDTH = 200


def advice_report(advice: Advice) -> Report:
    recommended = tuple(_recommendation(rec) for rec in advice.recommendations)
    redundant = tuple(_redundant(drop) for drop in advice.drops)
    statistics = tuple(_statistics(item) for item in advice.statistics)
    planned = [q for q in advice.queries if q.skipped is None]
    skipped = [q for q in advice.queries if q.skipped is not None]
    notes = [f"skipped: {short(q.query.text)} — {q.skipped}" for q in skipped]
    notes += [
        f"names: {short(q.query.text)} — {q.query.resolution.line()}"
        for q in planned
        if q.query.resolution is not None
    ]
    notes += [f"not costed: {item.line()}" for item in uncosted(advice)]
    for m in advice.verified:
        notes.append(
            f"verified: {m.error or f'{ms(m.before_ms)} -> {ms(m.after_ms)}'}  {short(m.query)}"
        )
        notes += [f"verified: {line}  {short(m.query)}" for line in divergence_lines(m)]
    notes += [f"not recommended: {unconfirmed_line(u)}" for u in advice.unconfirmed]
    notes += [f"applied: {line}" for line in advice.applied]
    notes += list(advice.notes)
    return Report(
        server=None,
        results=(
            _result(RECOMMENDATION, recommended, bool(planned)),
            _result(REDUNDANT, redundant, bool(planned)),
            _result(STATISTICS, statistics, bool(planned)),
        ),
        command="advise",
        stats={
            "statements planned": len(planned),
            "statements skipped": len(skipped),
            "indexes recommended": len(recommended),
            "candidates not costed": len(advice.uncosted),
            "tables without fresh statistics": len(advice.statistics),
        },
        notes=tuple(notes),
    )


def _result(check: str, findings: tuple[Finding, ...], ran: bool) -> CheckResult:
    if findings:
        return CheckResult(check, Status.FINDINGS, findings)
    if ran:
        return CheckResult(check, Status.OK)
    return CheckResult(check, Status.SKIPPED, reason="no statement of the workload was planned")


def _recommendation(rec: Recommendation) -> Finding:
    candidate = rec.candidate
    before = sum(q.cost_before for q in rec.queries)
    after = sum(q.cost_after for q in rec.queries)
    evidence: Evidence = {
        "columns": list(candidate.columns),
        "method": candidate.method,
        "kind": candidate.kind,
        "cost_before": round(before, 1),
        "cost_after": round(after, 1),
        "statements_helped": len(rec.queries),
        "size_bytes": rec.size_bytes,
        "costing": rec.costing.line(),
    }
    if candidate.where:
        evidence["where"] = candidate.where
    if candidate.include:
        evidence["include"] = list(candidate.include)
    if rec.low_confidence:
        evidence["confidence"] = "low"
        evidence["low_confidence_tables"] = list(rec.low_confidence)
    if rec.partitions:
        evidence["partitions"] = [f"{schema}.{name}" for schema, name in rec.partitions]
    if rec.reuse:  # the partitions' equivalent indexes it attaches instead of building
        evidence["attaches"] = [f"{schema}.{index}" for schema, _, index in rec.reuse]
    evidence["statements"] = [short(q.query) for q in rec.queries]
    change = f" ({(after - before) / before * 100:+.0f} %)" if before else ""
    caveat = f"; low confidence: {low_confidence_reason(rec)}" if rec.low_confidence else ""
    return Finding(
        check=RECOMMENDATION,
        category=CATEGORY,
        severity=Severity.WARNING,
        object=ObjectRef("table", candidate.table.schema, candidate.table.name),
        message=(
            f"a {candidate.kind} index {rec.name} on ({', '.join(candidate.columns)}) cuts the "
            f"planner's cost of {len(rec.queries)} statement(s) from {before:,.1f} to "
            f"{after:,.1f}{change}{caveat}"
            + ("" if rec.costing.method == "hypopg" else f" ({rec.costing.line()})")
        ),
        evidence=evidence,
        recommendation=(
            "create it CONCURRENTLY after a lock_timeout (the fix), or write an Alembic revision "
            "with `pgsage advise --alembic DIR`"
        ),
        fix=rec.fix,
    )


def _statistics(item: TableStatistics) -> Finding:
    relation = item.relation
    return Finding(
        check=STATISTICS,
        category=CATEGORY,
        severity=Severity.WARNING,
        object=ObjectRef("table", relation.schema, relation.name),
        message=statistics_line(item),
        evidence={"state": item.state, "table": str(item.table), "detail": item.detail},
        recommendation=(
            f"ANALYZE {relation} first, then advise again: the advice on statements reading "
            f"{item.table} rests on the planner's guesses"
        ),
        fix=item.fix,
    )


def statistics_line(item: TableStatistics) -> str:
    where = "" if item.relation == item.table else f" (a partition of {item.table})"
    return f"{item.relation}{where}: {item.detail}"


def low_confidence_reason(rec: Recommendation) -> str:
    tables = ", ".join(rec.low_confidence)
    return f"it rests on {tables} without fresh statistics; ANALYZE and advise again"


def _redundant(drop: DropProposal) -> Finding:
    table = drop.table.rpartition(".")[2]
    return Finding(
        check=REDUNDANT,
        category=CATEGORY,
        severity=Severity.INFO,
        object=ObjectRef("index", drop.schema, drop.name, table or None),
        message=f"index {drop.schema}.{drop.name} becomes redundant: {drop.reason}",
        evidence={"definition": drop.definition, "table": drop.table},
        recommendation="drop it once the recommended index is built and serving",
        fix=DropIndex(drop.schema, drop.name),
    )


def short(text: str, width: int = QUERY_WIDTH) -> str:
    """A statement on one line, cut to ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f} ms"


def divergence_lines(measured: Measured) -> list[str]:
    """Where the real plan parted from the hypothetical one, one line per index."""
    real = "; ".join(measured.plan_after) or "-"
    return [
        f"hypothetical plan used {name}, real plan did not (real plan: {real})"
        for name in measured.diverged
    ]


def unconfirmed_line(item: Unconfirmed) -> str:
    rec = item.recommendation
    return (
        f"{rec.candidate.table}.{rec.name} ({', '.join(rec.candidate.columns)}): credited by "
        f"the hypothetical plans, used by no real plan with every index built "
        f"({' | '.join(item.plans)})"
    )
