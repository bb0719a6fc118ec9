"""{"violations": [{"file", "line", "column", "rule", "aliases", "severity", "message", ...}]}."""

from __future__ import annotations

import json
from typing import Any

from pgsage.lint.model import LintResult


def render(result: LintResult) -> str:
    document: dict[str, Any] = {
        "violations": [
            {
                "file": v.file,
                "line": v.line,
                "column": v.column,
                "rule": v.rule,
                "aliases": list(v.aliases),
                "severity": v.severity.value,
                "message": v.message,
                "group": v.group,
                "fix": v.fix,
                "revision": v.revision,
                "downgrade": v.downgrade,
            }
            for v in result.violations
        ],
        "errors": [{"file": e.file, "message": e.message} for e in result.errors],
        "summary": {
            "files": result.files,
            "statements": result.statements,
            "violations": len(result.violations),
        },
        "notes": list(result.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
