"""An instrumentation capture saved as JSON, and read back: the input of ``n1_queries_fixes.md``.

``save_capture(instrumentation.events.snapshot(), path)`` (or ``capture_json``) writes what a
test run or a service has seen; ``load_capture(path)`` reads it for ``pgsage report
--nplusone``. The document holds statement shapes and call sites, never parameter values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pgsage.errors import UsageError
from pgsage.instrument.findings import (
    CapturedEvents,
    Fix,
    NPlusOne,
    NPlusOneSummary,
    ProblemKind,
    SlowQuerySummary,
)

FORMAT = "pgsage-instrumentation-capture"
VERSION = 1

__all__ = ["FORMAT", "capture_json", "load_capture", "parse_capture", "save_capture"]


def _summary_json(summary: NPlusOneSummary) -> dict[str, Any]:
    return {
        "occurrences": summary.occurrences,
        "max_count": summary.max_count,
        "total_ms": round(summary.total_ms, 3),
        "finding": summary.finding.to_dict(),
    }


def _slow_json(slow: SlowQuerySummary) -> dict[str, Any]:
    return {
        "statement": slow.statement,
        "fingerprint": slow.fingerprint,
        "sql": slow.sql,
        "count": slow.count,
        "max_ms": round(slow.max_ms, 3),
        "total_ms": round(slow.total_ms, 3),
        "last_call_site": slow.last_call_site,
        "plan_summary": slow.plan_summary,
    }


def capture_json(events: CapturedEvents) -> str:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "problem_units": events.problem_units,
        "nplusone": [_summary_json(s) for s in events.nplusone],
        "slow": [_slow_json(s) for s in events.slow],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def save_capture(events: CapturedEvents, path: Path) -> None:
    path.write_text(capture_json(events), encoding="utf-8")


def _finding(data: dict[str, Any]) -> NPlusOne:
    return NPlusOne(
        kind=ProblemKind(data["kind"]),
        unit=str(data["unit"]),
        count=int(data["count"]),
        total_ms=float(data["total_ms"]),
        call_site=str(data["call_site"]),
        statement=str(data["statement"]),
        sql=str(data["sql"]),
        fingerprint=str(data["fingerprint"]),
        fix=Fix(str(data["fix"]), str(data["fix_code"]), data.get("loader_option")),
        relationship=data.get("relationship"),
        parent_query=data.get("parent_query"),
        request_id=data.get("request_id"),
    )


def _slow(data: dict[str, Any]) -> SlowQuerySummary:
    return SlowQuerySummary(
        statement=str(data["statement"]),
        fingerprint=str(data["fingerprint"]),
        sql=str(data["sql"]),
        count=int(data["count"]),
        max_ms=float(data["max_ms"]),
        total_ms=float(data["total_ms"]),
        last_call_site=str(data["last_call_site"]),
        plan_summary=data.get("plan_summary"),
    )


def parse_capture(document: Any, source: str = "capture") -> CapturedEvents:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(f"{source}: not a pgsage instrumentation capture (format {FORMAT!r})")
    try:
        nplusone = tuple(
            NPlusOneSummary(
                _finding(s["finding"]),
                int(s["occurrences"]),
                int(s["max_count"]),
                float(s["total_ms"]),
            )
            for s in document.get("nplusone", [])
        )
        slow = tuple(_slow(s) for s in document.get("slow", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{source}: malformed capture ({type(exc).__name__}: {exc})") from None
    return CapturedEvents(nplusone, slow, int(document.get("problem_units", 0)))


def load_capture(path: Path) -> CapturedEvents:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    return parse_capture(document, str(path))
