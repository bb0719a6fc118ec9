"""Text for N+1 errors, warnings and test failures, and the Markdown of ``n1_queries_fixes.md``.

Pure functions over the typed findings; nothing here touches SQLAlchemy or a database.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from pgsage.instrument.findings import (
    CapturedEvents,
    CapturedQuery,
    NPlusOne,
    NPlusOneSummary,
    ProblemKind,
    SlowQuerySummary,
    UnitReport,
)

MAX_LISTED = 50


def _indent(text: str, prefix: str) -> str:
    return textwrap.indent(text, prefix)


def format_finding(number: int, finding: NPlusOne) -> str:
    lines = [
        f"{number}. {finding.title} ({finding.total_ms:.2f} ms total)",
        f"   first at {finding.call_site}",
    ]
    if finding.parent_query:
        lines.append(f"   parent query: {finding.parent_query}")
    lines.append(f"   SQL: {finding.sql}")
    lines.append(f"   fix: {finding.fix.summary}")
    lines.append(_indent(finding.fix.code, "        "))
    return "\n".join(lines)


def format_queries(queries: Sequence[CapturedQuery], limit: int = MAX_LISTED) -> str:
    lines = []
    for number, query in enumerate(queries[:limit], 1):
        lines.append(f"  {number}. {query.name} ({query.duration_ms:.2f} ms) at {query.call_site}")
        lines.append(f"     {query.sql}")
    if len(queries) > limit:
        lines.append(f"  ... and {len(queries) - limit} more")
    return "\n".join(lines)


def format_unit_report(report: UnitReport) -> str:
    request = f" (request {report.request_id})" if report.request_id else ""
    parts = [
        f'unit of work "{report.unit}"{request}: {report.query_count} queries, '
        f"{report.total_ms:.2f} ms"
    ]
    if report.nplusone:
        parts.append(f"N+1 queries ({len(report.nplusone)}):")
        parts += [_indent(format_finding(n, f), "  ") for n, f in enumerate(report.nplusone, 1)]
    if report.budget is not None:
        parts.append(
            f"query budget exceeded: {report.budget.count} queries, "
            f"max_queries={report.budget.max_queries}"
        )
        if report.queries:
            parts.append(format_queries(report.queries))
    return "\n".join(parts)


# -- Markdown (docs/db/n1_queries_fixes.md) ----------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _problem_text(finding: NPlusOne) -> str:
    if finding.kind is ProblemKind.LAZY_LOAD:
        parent = f" loaded by `{finding.parent_query}`" if finding.parent_query else ""
        return (
            f"every parent object{parent} loads `{finding.relationship}` with a query of "
            "its own when the attribute is touched (lazy loading), so N parents cost "
            "N + 1 queries."
        )
    if finding.kind is ProblemKind.EXPIRED_REFRESH:
        return (
            "objects expired by a commit (or `session.expire`) are reloaded one `SELECT` "
            "at a time when their attributes are read again."
        )
    return (
        "the same statement runs once per loop iteration from the same line "
        "(what explicit loops and async code produce when lazy loading is not possible)."
    )


def _markdown_finding(number: int, summary: NPlusOneSummary) -> str:
    f = summary.finding
    heading = (
        f"Lazy load of `{f.relationship}`"
        if f.kind is ProblemKind.LAZY_LOAD
        else f"`{f.statement}` reloaded per object"
        if f.kind is ProblemKind.EXPIRED_REFRESH
        else f"`{f.statement}` in a loop"
    )
    seen = f", seen in {summary.occurrences} units of work" if summary.occurrences > 1 else ""
    lines = [
        f"### {number}. {heading}",
        "",
        f"- **Problem:** {_problem_text(f)}",
        f"- **Location:** `{f.call_site}` (unit of work `{f.unit}`)",
    ]
    if f.parent_query:
        lines.append(f"- **Parent query:** `{f.parent_query}`")
    lines += [
        f"- **Count:** up to {summary.max_count} queries per unit of work, "
        f"{summary.total_ms:.1f} ms in total{seen}",
        f"- **Fix:** {f.fix.summary}",
        "",
        "SQL shape:",
        "",
        "```sql",
        f.sql,
        "```",
        "",
        "Fix:",
        "",
        "```python",
        f"# {'✅ ' + f.fix.loader_option if f.fix.loader_option else '✅ fix'}",
        f.fix.code,
        "```",
        "",
    ]
    return "\n".join(lines)


def _slow_table(slow: Sequence[SlowQuerySummary]) -> list[str]:
    lines = [
        "## Slow queries",
        "",
        "| statement | executions | max ms | mean ms | last location | plan |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for s in slow:
        plan = _cell(s.plan_summary) if s.plan_summary else "-"
        lines.append(
            f"| `{_cell(s.statement)}` | {s.count} | {s.max_ms:.1f} | {s.mean_ms:.1f} "
            f"| `{_cell(s.last_call_site)}` | {plan} |"
        )
    lines.append("")
    for s in slow:
        lines += [f"`{s.statement}` (`{s.fingerprint}`):", "", "```sql", s.sql, "```", ""]
    return lines


def render_markdown(events: CapturedEvents, *, title: str = "N+1 queries and their fixes") -> str:
    """The ``n1_queries_fixes.md`` section: a summary table, then per pattern the problem, its
    location, the SQL shape, the count and the loader option that fixes it; then slow queries."""
    lines = [f"## {title}", ""]
    if not events.nplusone:
        lines += ["No N+1 queries were captured.", ""]
    else:
        lines += [
            f"{len(events.nplusone)} N+1 pattern(s) captured by pgsage's SQLAlchemy "
            "instrumentation.",
            "",
            "| # | problem | location | queries per unit | total ms | fix |",
            "| ---: | --- | --- | ---: | ---: | --- |",
        ]
        for n, s in enumerate(events.nplusone, 1):
            option = s.finding.fix.loader_option or "see below"
            lines.append(
                f"| {n} | {_cell(s.finding.title)} | `{_cell(s.finding.call_site)}` "
                f"| {s.max_count} | {s.total_ms:.1f} | `{option}` |"
            )
        lines.append("")
        lines += [_markdown_finding(n, s) for n, s in enumerate(events.nplusone, 1)]
    if events.slow:
        lines += _slow_table(events.slow)
    return "\n".join(lines).rstrip() + "\n"
