"""Advice as text: the terminal report, JSON (the issue's shape) and Markdown. Pure functions."""

from __future__ import annotations

import json
from typing import Any

from pgsage.advise.ddl import create_ddl, drop_ddl
from pgsage.advise.model import Advice, Recommendation

QUERY_WIDTH = 110


def ddl_of(rec: Recommendation) -> str:
    return create_ddl(rec.candidate, rec.name, rec.partitions)


def to_json(advice: Advice) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recommendations": [
            {
                "table": str(rec.candidate.table),
                "columns": list(rec.candidate.columns),
                "method": rec.candidate.method,
                "where": rec.candidate.where,
                "include": list(rec.candidate.include),
                "ddl": ddl_of(rec),
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
            }
            for rec in advice.recommendations
        ],
        "queries": [
            {
                "query": q.query.text,
                "cost_before": q.cost_before,
                "cost_after": q.cost_after,
                **({"skipped": q.skipped} if q.skipped is not None else {}),
            }
            for q in advice.queries
        ],
    }
    # What only some runs produce, under keys of their own after the two.
    if advice.drops:
        data["drops"] = [
            {
                "index": f"{d.schema}.{d.name}",
                "table": d.table,
                "reason": d.reason,
                "ddl": drop_ddl(d.schema, d.name),
            }
            for d in advice.drops
        ]
    if advice.verified:
        data["verified"] = [
            {"query": m.query, "ms_before": m.before_ms, "ms_after": m.after_ms, "error": m.error}
            for m in advice.verified
        ]
    if advice.applied:
        data["applied"] = list(advice.applied)
    if advice.notes:
        data["notes"] = list(advice.notes)
    return data


def render_json(advice: Advice) -> str:
    return json.dumps(to_json(advice), indent=2, ensure_ascii=False) + "\n"


def render_text(advice: Advice) -> str:
    lines: list[str] = []
    planned = [q for q in advice.queries if q.skipped is None]
    lines.append(
        f"pgsage advise: {len(planned)} statements planned, costed with "
        f"{advice.costing} in {advice.seconds:.1f} s"
    )
    change = _change(advice.objective_before, advice.objective_after)
    lines.append(
        f"Workload cost: {_cost(advice.objective_before)} -> "
        f"{_cost(advice.objective_after)} ({change})"
    )
    total = sum(r.size_bytes for r in advice.recommendations)
    lines.append(f"{len(advice.recommendations)} index(es) recommended, ~{_size(total)} in all")
    lines.append("")
    for number, rec in enumerate(advice.recommendations, start=1):
        c = rec.candidate
        lines.append(
            f"{number}. {c.table} ({', '.join(c.columns)}) {c.kind}, ~{_size(rec.size_bytes)}"
        )
        lines += [f"   {line}" for line in ddl_of(rec).splitlines()]
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
            lines += [f"      {line}" for line in drop_ddl(drop.schema, drop.name).splitlines()]
        lines.append("")
    if planned:
        lines.append("Per statement, its best plan:")
    for result in planned:
        lines.append(
            f"   {_cost(result.cost_before)} -> {_cost(result.cost_after)}  "
            f"{_plan(result.plan_after)}  {_short(result.query.text, 70)}"
        )
    skipped = [q for q in advice.queries if q.skipped is not None]
    if skipped:
        lines.append("")
        lines.append("Skipped statements:")
        lines += [f"   {_short(q.query.text, 70)} — {q.skipped}" for q in skipped]
    if advice.uncosted:
        lines.append("")
        lines.append("Candidates that could not be costed:")
        lines += [
            f"   {c.table} ({', '.join(c.columns)}) {c.kind}: {why}" for c, why in advice.uncosted
        ]
    if advice.verified:
        lines.append("")
        lines.append("Verified with EXPLAIN ANALYZE (ms before -> after):")
        for m in advice.verified:
            outcome = m.error or f"{_ms(m.before_ms)} -> {_ms(m.after_ms)}"
            lines.append(f"   {outcome}  {_short(m.query, 70)}")
    if advice.applied:
        lines.append("")
        lines.append("Applied:")
        lines += [f"   {line}" for line in advice.applied]
    for note in advice.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(advice: Advice) -> str:
    out = [
        "# Index advice",
        "",
        f"Workload cost {_cost(advice.objective_before)} → {_cost(advice.objective_after)} "
        f"({_change(advice.objective_before, advice.objective_after)}), costed with "
        f"{advice.costing}.",
        "",
    ]
    if advice.recommendations:
        out += [
            "| # | table | columns | method | where | include | size |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for n, rec in enumerate(advice.recommendations, start=1):
            c = rec.candidate
            out.append(
                f"| {n} | `{c.table}` | `{', '.join(c.columns)}` | {c.method} | "
                f"{_md(c.where or '')} | {', '.join(c.include)} | {_size(rec.size_bytes)} |"
            )
        out.append("")
        for n, rec in enumerate(advice.recommendations, start=1):
            out += [f"## {n}. `{rec.name}`", "", "```sql", ddl_of(rec), "```", ""]
            if rec.queries:
                out += [
                    "| cost before | cost after | plan change | query |",
                    "| ---: | ---: | --- | --- |",
                ]
                out += [
                    f"| {_cost(q.cost_before)} | {_cost(q.cost_after)} | "
                    f"{_md(_plan(q.plan_before))} → {_md(_plan(q.plan_after))} | "
                    f"`{_md(_short(q.query, 80))}` |"
                    for q in rec.queries
                ]
                out.append("")
    else:
        out += ["No index pays for itself on this workload.", ""]
    if advice.drops:
        out += ["## Redundant indexes", ""]
        out += [f"- `{d.schema}.{d.name}`: {d.reason}" for d in advice.drops]
        out.append("")
    out += [
        "## Statements",
        "",
        "| cost before | cost after | best plan | query |",
        "| ---: | ---: | --- | --- |",
    ]
    for q in advice.queries:
        if q.skipped is None:
            out.append(
                f"| {_cost(q.cost_before)} | {_cost(q.cost_after)} | "
                f"{_md(_plan(q.plan_after))} | `{_md(_short(q.query.text, 80))}` |"
            )
        else:
            out.append(f"| | | skipped: {_md(q.skipped)} | `{_md(_short(q.query.text, 80))}` |")
    return "\n".join(out).rstrip() + "\n"


def _plan(nodes: tuple[str, ...]) -> str:
    shown = [n for n in nodes if n not in ("Sort", "Incremental Sort")]
    return "; ".join(shown[:3]) if shown else (nodes[0] if nodes else "-")


def _short(text: str, width: int = QUERY_WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _cost(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f} ms"


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


def _md(text: str) -> str:
    return text.replace("|", "\\|")
