"""The workload's totals, said for what they are.

* **planner cost** — the sum over the planned statements of calls x the planner's cost of the
  statement's plan, before and after the recommended indexes (planner units, not time);
* **estimated time** — only when the source recorded times (pg_stat_statements, a log): each
  statement's recorded total time scaled by how much cheaper its plan gets (what the search
  minimises);
* **mean cost ratio** — the calls-weighted mean of after/before per statement (what the search
  minimises for a SQL file, where every statement weighs one call).
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.advise.model import Advice, QueryResult


@dataclass(frozen=True)
class Totals:
    statements: int
    calls: int
    cost_before: float
    cost_after: float
    mean_ratio: float  # calls-weighted mean of after/before (1.0: no change)
    ms_before: float | None = None  # recorded time; None when the source has none
    ms_after: float | None = None

    def to_json(self) -> dict[str, float | int | str | None]:
        return {
            "statements": self.statements,
            "calls": self.calls,
            "planner_cost_before": round(self.cost_before, 1),
            "planner_cost_after": round(self.cost_after, 1),
            "planner_cost_weighted_by": "calls",
            "mean_cost_ratio": round(self.mean_ratio, 4),
            "estimated_ms_before": _round(self.ms_before),
            "estimated_ms_after": _round(self.ms_after),
        }

    def lines(self) -> list[str]:
        out = [
            f"Planner cost of the workload (calls x plan cost, summed over {self.statements} "
            f"statements): {self.cost_before:,.1f} -> {self.cost_after:,.1f} "
            f"({_change(self.cost_before, self.cost_after)})"
        ]
        if self.ms_before is not None and self.ms_after is not None:
            out.append(
                f"Estimated time (recorded time x each plan's cost ratio): "
                f"{self.ms_before:,.1f} ms -> {self.ms_after:,.1f} ms "
                f"({_change(self.ms_before, self.ms_after)})"
            )
        else:
            out.append(
                f"Per statement, the plan costs {self.mean_ratio * 100:.0f} % of today's on "
                "average (calls-weighted; no recorded times in a SQL file)"
            )
        return out


def totals(advice: Advice) -> Totals:
    planned = [q for q in advice.queries if q.skipped is None and q.cost_before is not None]
    calls = sum(max(q.query.calls, 1) for q in planned)
    before = sum(max(q.query.calls, 1) * (q.cost_before or 0.0) for q in planned)
    after = sum(max(q.query.calls, 1) * _after(q) for q in planned)
    ratio = sum(max(q.query.calls, 1) * _ratio(q) for q in planned) / calls if calls else 1.0
    recorded = [q for q in planned if q.query.total_ms > 0]
    if not recorded:
        return Totals(len(planned), calls, before, after, ratio)
    ms_before = sum(q.query.total_ms for q in recorded)
    ms_after = sum(q.query.total_ms * _ratio(q) for q in recorded)
    return Totals(len(planned), calls, before, after, ratio, ms_before, ms_after)


def _after(query: QueryResult) -> float:
    before = query.cost_before or 0.0
    return min(query.cost_after if query.cost_after is not None else before, before)


def _ratio(query: QueryResult) -> float:
    before = query.cost_before or 0.0
    return _after(query) / before if before > 0 else 1.0


def _change(before: float, after: float) -> str:
    if before <= 0:
        return "n/a"
    return f"{(after - before) / before * 100:+.0f} %"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
