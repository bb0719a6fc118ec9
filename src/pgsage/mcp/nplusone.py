"""What ``n_plus_one`` reads: an instrumentation capture (:mod:`pgsage.instrument.capture`,
the file ``pgsage report --nplusone`` reads too), written from a running service or a test
session with::

    from pgsage.instrument.capture import save_capture
    save_capture(handle.events.snapshot(), Path("capture.json"))  # handle = pgsage.instrument(engine)

The earlier ``{"format": "pgsage-instrument-report", ...}`` document (``NPlusOne.to_dict()``
entries plus ``occurrences``, ``max_count``, ``summary_total_ms``), or a bare list of
``NPlusOne.to_dict()`` objects, is still read. :func:`events_to_json` is the tool's output shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pgsage.errors import UsageError
from pgsage.instrument import capture
from pgsage.instrument.findings import (
    CapturedEvents,
    Fix,
    NPlusOne,
    NPlusOneSummary,
    ProblemKind,
    SlowQuerySummary,
)

FORMAT = "pgsage-instrument-report"
VERSION = 1


def events_to_json(events: CapturedEvents) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "nplusone": [
            {
                **s.finding.to_dict(),
                "occurrences": s.occurrences,
                "max_count": s.max_count,
                "summary_total_ms": round(s.total_ms, 3),
            }
            for s in events.nplusone
        ],
        "slow": [
            {
                "statement": s.statement,
                "fingerprint": s.fingerprint,
                "sql": s.sql,
                "count": s.count,
                "max_ms": s.max_ms,
                "total_ms": s.total_ms,
                "last_call_site": s.last_call_site,
                "plan_summary": s.plan_summary,
            }
            for s in events.slow
        ],
        "problem_units": events.problem_units,
    }


def _finding(data: dict[str, Any]) -> NPlusOne:
    return NPlusOne(
        kind=ProblemKind(str(data["kind"])),
        unit=str(data.get("unit", "")),
        count=int(data["count"]),
        total_ms=float(data.get("total_ms", 0.0)),
        call_site=str(data.get("call_site", "")),
        statement=str(data.get("statement", "")),
        sql=str(data.get("sql", "")),
        fingerprint=str(data.get("fingerprint", "")),
        fix=Fix(
            summary=str(data.get("fix", "")),
            code=str(data.get("fix_code", "")),
            loader_option=data.get("loader_option"),
        ),
        relationship=data.get("relationship"),
        parent_query=data.get("parent_query"),
        request_id=data.get("request_id"),
    )


def events_from_json(document: Any, source: str = "report") -> CapturedEvents:
    if isinstance(document, dict) and document.get("format") == capture.FORMAT:
        return capture.parse_capture(document, source)
    try:
        if isinstance(document, list):
            items, slow, units = document, [], 0
        elif isinstance(document, dict):
            if document.get("format", FORMAT) != FORMAT:
                raise UsageError(f"not a pgsage instrumentation report: {document.get('format')}")
            items = document.get("nplusone", [])
            slow = document.get("slow", [])
            units = int(document.get("problem_units", 0))
        else:
            raise UsageError("an instrumentation report is a JSON object or list")
        summaries = tuple(
            NPlusOneSummary(
                finding=_finding(item),
                occurrences=int(item.get("occurrences", 1)),
                max_count=int(item.get("max_count", item["count"])),
                total_ms=float(item.get("summary_total_ms", item.get("total_ms", 0.0))),
            )
            for item in items
        )
        slow_queries = tuple(
            SlowQuerySummary(
                statement=str(s["statement"]),
                fingerprint=str(s.get("fingerprint", "")),
                sql=str(s.get("sql", "")),
                count=int(s["count"]),
                max_ms=float(s["max_ms"]),
                total_ms=float(s["total_ms"]),
                last_call_site=str(s.get("last_call_site", "")),
                plan_summary=s.get("plan_summary"),
            )
            for s in slow
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"malformed instrumentation report: {exc!r}") from None
    return CapturedEvents(summaries, slow_queries, units)


def load_events(path: Path) -> CapturedEvents:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a JSON document: {exc}") from None
    return events_from_json(document, str(path))
