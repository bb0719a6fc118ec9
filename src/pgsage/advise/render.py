"""The advisor's own detailed views: the terminal report and the JSON document (the shape CI
users read, plus the unified ``findings`` of ``advice_report``). Pure functions; every other
format renders ``advice_report(advice)`` through ``pgsage.reports``."""

from __future__ import annotations

import json
from typing import Any

from pgsage.advise.model import Advice, Recommendation
from pgsage.advise.report import (
    advice_report,
    divergence_lines,
    low_confidence_reason,
    ms,
    short,
    statistics_line,
    unconfirmed_line,
)
from pgsage.advise.totals import totals
from pgsage.advise.uncosted import uncosted
from pgsage.fixes.index import DropIndex

QUERY_WIDTH = 110


def to_json(advice: Advice) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recommendations": [
            {
                "table": str(rec.candidate.table),
                "columns": list(rec.candidate.columns),
                "method": rec.candidate.method,
                "where": rec.candidate.where,
                "include": list(rec.candidate.include),
                "ddl": rec.fix.to_sql(),
                "size_bytes": rec.size_bytes,
                "queries": [
                    {
                        "query": q.query,
                        "cost_before": q.cost_before,
                        "cost_after": q.cost_after,
                        "plan_before": list(q.plan_before),
                        "plan_after": list(q.plan_after),
                    }
                    for q in rec.queries
                ],
                "confidence": "low" if rec.low_confidence else "normal",
                "low_confidence_tables": list(rec.low_confidence),
                **(
                    {"attaches": [f"{schema}.{index}" for schema, _, index in rec.reuse]}
                    if rec.reuse
                    else {}
                ),
                "costing": rec.costing.to_json(),
            }
            for rec in advice.recommendations
        ],
        "queries": [
            {
                "query": q.query.text,
                "cost_before": q.cost_before,
                "cost_after": q.cost_after,
                **({"skipped": q.skipped} if q.skipped is not None else {}),
                **(
                    {
                        "name_resolution": {
                            **q.query.resolution.to_json(),
                            "line": q.query.resolution.line(),
                        }
                    }
                    if q.query.resolution is not None
                    else {}
                ),
            }
            for q in advice.queries
        ],
        "totals": totals(advice).to_json(),
    }
    # What only some runs produce, under keys of their own after the two.
    if advice.statistics:
        data["statistics"] = [
            {
                "table": str(s.table),
                "relation": str(s.relation),
                "state": s.state,
                "detail": s.detail,
                "fix": s.fix.to_sql(),
            }
            for s in advice.statistics
        ]
    if advice.drops:
        data["drops"] = [
            {
                "index": f"{d.schema}.{d.name}",
                "table": d.table,
                "reason": d.reason,
                "ddl": DropIndex(d.schema, d.name).to_sql(),
            }
            for d in advice.drops
        ]
    if advice.verified:
        data["verified"] = [
            {
                "query": m.query,
                "ms_before": m.before_ms,
                "ms_after": m.after_ms,
                "error": m.error,
                "plan_before": list(m.plan_before),
                "plan_after": list(m.plan_after),
                "expected": list(m.expected),
                "used": list(m.used),
                "diverged": list(m.diverged),
            }
            for m in advice.verified
        ]
    if advice.unconfirmed:
        data["unconfirmed"] = [
            {
                "table": str(u.recommendation.candidate.table),
                "name": u.recommendation.name,
                "columns": list(u.recommendation.candidate.columns),
                "real_plans": list(u.plans),
            }
            for u in advice.unconfirmed
        ]
    if advice.applied:
        data["applied"] = list(advice.applied)
    if advice.uncosted:
        data["uncosted"] = [item.to_json() for item in uncosted(advice)]
    if advice.notes:
        data["notes"] = list(advice.notes)
    # The one result model's findings, last: the same list `pgsage audit --format json` has.
    data["findings"] = [f.to_json() for f in advice_report(advice).findings]
    return data


def render_json(advice: Advice) -> str:
    return json.dumps(to_json(advice), indent=2, ensure_ascii=False) + "\n"


def render_text(advice: Advice) -> str:
    lines: list[str] = []
    planned = [q for q in advice.queries if q.skipped is None]
    skipped = [q for q in advice.queries if q.skipped is not None]
    lines.append(
        f"pgsage advise: {len(planned)} statements planned, {len(skipped)} skipped, costed "
        f"with {advice.costing} in {advice.seconds:.1f} s"
    )
    lines += totals(advice).lines()
    total = sum(r.size_bytes for r in advice.recommendations)
    lines.append(f"{len(advice.recommendations)} index(es) recommended, ~{_size(total)} in all")
    lines.append("")
    lines += _statistics_lines(advice)
    for number, rec in enumerate(advice.recommendations, start=1):
        c = rec.candidate
        lines.append(
            f"{number}. {c.table} ({', '.join(c.columns)}) {c.kind}, ~{_size(rec.size_bytes)}"
        )
        if rec.low_confidence:
            lines.append(f"   low confidence: {low_confidence_reason(rec)}")
        lines += [f"   {line}" for line in rec.fix.to_sql().splitlines()]
        lines += _costing_lines(rec)
        for q in rec.queries:
            lines.append(
                f"   helps: {_cost(q.cost_before)} -> {_cost(q.cost_after)} "
                f"({_change(q.cost_before, q.cost_after)})  {_plan(q.plan_before)} -> "
                f"{_plan(q.plan_after)}"
            )
            lines.append(f"          {_short(q.query)}")
        lines.append("")
    if advice.drops:
        lines.append("Existing indexes the recommended set makes redundant:")
        for drop in advice.drops:
            lines.append(f"   {drop.schema}.{drop.name} ({drop.reason})")
            lines += [
                f"      {line}" for line in DropIndex(drop.schema, drop.name).to_sql().splitlines()
            ]
        lines.append("")
    if planned:
        lines.append("Per statement, its best plan:")
    for result in planned:
        lines.append(
            f"   {_cost(result.cost_before)} -> {_cost(result.cost_after)}  "
            f"{_plan(result.plan_after)}  {_short(result.query.text, 70)}"
        )
        if result.query.resolution is not None:  # recorded statements: which tables it names
            lines.append(f"      {result.query.resolution.line()}")
    if skipped:
        lines.append("")
        lines.append("Skipped statements:")
        lines += [f"   {_short(q.query.text, 70)} — {q.skipped}" for q in skipped]
    if advice.uncosted:
        lines.append("")
        lines.append("Candidates that could not be costed:")
        lines += [f"   {item.line()}" for item in uncosted(advice)]
    lines += _verified_lines(advice)
    if advice.applied:
        lines.append("")
        lines.append("Applied:")
        lines += [f"   {line}" for line in advice.applied]
    for note in advice.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines).rstrip() + "\n"


def _statistics_lines(advice: Advice) -> list[str]:
    if not advice.statistics:
        return []
    lines = [
        "Tables without fresh statistics (ANALYZE them first; advice on them is low-confidence):"
    ]
    for item in advice.statistics:
        lines.append(f"   {statistics_line(item)}")
        lines.append(f"      {item.fix.statement()}")
    lines.append("")
    return lines


def _verified_lines(advice: Advice) -> list[str]:
    lines: list[str] = []
    if advice.verified:
        lines.append("")
        lines.append("Verified with EXPLAIN ANALYZE (ms before -> after):")
        for m in advice.verified:
            outcome = m.error or f"{ms(m.before_ms)} -> {ms(m.after_ms)}"
            lines.append(f"   {outcome}  {_short(m.query, 70)}")
            lines += [f"      {line}" for line in divergence_lines(m)]
    if advice.unconfirmed:
        lines.append("")
        lines.append("Not recommended after --verify (no real plan used them):")
        lines += [f"   {unconfirmed_line(u)}" for u in advice.unconfirmed]
    return lines


def _costing_lines(rec: Recommendation) -> list[str]:
    """How the index was costed, when that was not HypoPG (the run's headline says so)."""
    return [] if rec.costing.method == "hypopg" else [f"   {rec.costing.line()}"]


def _plan(nodes: tuple[str, ...]) -> str:
    shown = [n for n in nodes if n not in ("Sort", "Incremental Sort")]
    return "; ".join(shown[:3]) if shown else (nodes[0] if nodes else "-")


def _short(text: str, width: int = QUERY_WIDTH) -> str:
    return short(text, width)


def _cost(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _change(before: float | None, after: float | None) -> str:
    if not before or after is None:
        return "n/a"
    return f"{(after - before) / before * 100:+.0f} %"


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
