"""JSON: ``{"server": {...}, "findings": [...], "results": [...]}``, stable key order.

A report about files (lint) also carries the document ``pgsage lint --format json`` wrote before
the one result model — ``violations``, ``errors`` and ``summary`` — so that CI scripts keep
working; those keys are deprecated in favour of ``findings`` (with ``location``), ``results``
and ``stats``."""

from __future__ import annotations

import json
from typing import Any

from pgsage.model import Report


def render(report: Report) -> str:
    document = report.to_json()
    if report.command == "lint" or any(f.location is not None for f in report.findings):
        document.update(legacy_lint_document(report))
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


def legacy_lint_document(report: Report) -> dict[str, Any]:
    """The keys lint's JSON had before the one result model (deprecated), as it wrote them."""
    # Imported here: `audit --format json` loads no other module of the renderers (start-up).
    from pgsage.reports.layout import by_location, failed_results, failure_message

    findings = [f for f in by_location(report.findings) if f.location is not None]
    return {
        "violations": [
            {
                "file": f.location.file,
                "line": f.location.line,
                "column": f.location.column,
                "rule": f.check,
                "aliases": list(f.aliases),
                "severity": f.severity.value,
                "message": f.message,
                "group": f.category,
                "fix": f.fix_sql or "",
                "revision": f.location.revision,
                "downgrade": f.location.downgrade,
            }
            for f in findings
            if f.location is not None
        ],
        "errors": [
            {"file": r.check, "message": failure_message(r)} for r in failed_results(report)
        ],
        "summary": {
            "files": report.stats.get("files", 0),
            "statements": report.stats.get("statements", 0),
            "violations": len(findings),
        },
        "notes": list(report.notes),
    }
