"""JSON: ``{"server": {...}, "findings": [...], "results": [...]}``, stable key order."""

from __future__ import annotations

import json

from pgsage.model import Report


def render(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=False, default=str) + "\n"
