"""SARIF 2.1.0 for GitHub code scanning: one run, the rules' metadata, one result per violation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pgsage import __version__
from pgsage.lint.model import LintResult
from pgsage.lint.rule import all_rules
from pgsage.model import Severity

_LEVEL = {Severity.INFO: "note", Severity.WARNING: "warning", Severity.ERROR: "error"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(result: LintResult) -> str:
    rules = all_rules()
    index = {rule.id: position for position, rule in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": "pgsage",
        "version": __version__,
        "rules": [
            {
                "id": rule.id,
                "name": rule.id,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.why or rule.summary},
                "help": {
                    "text": f"{rule.why}\n\nSQL:\n{rule.fix_sql}\n\nAlembic:\n{rule.fix_alembic}"
                },
                "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                "properties": {"group": rule.group.value, "aliases": list(rule.aliases)},
            }
            for rule in rules
        ],
    }
    results = [
        {
            "ruleId": v.rule,
            "ruleIndex": index.get(v.rule, 0),
            "level": _LEVEL[v.severity],
            "message": {"text": v.message + (f" Fix: {v.fix}" if v.fix else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(v.file)},
                        "region": {"startLine": v.line, "startColumn": v.column},
                    }
                }
            ],
        }
        for v in result.violations
    ]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _uri(file: str) -> str:
    """A relative path as given (code scanning resolves it from the repository root); an
    absolute one as a file:// URI, which upload-sarif maps into the checkout."""
    path = Path(file)
    return path.as_uri() if path.is_absolute() else path.as_posix()
