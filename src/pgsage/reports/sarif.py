"""SARIF 2.1.0 (GitHub code scanning): one run, the rules' metadata, one result per finding.

A finding with a source location points at it (physicalLocation); one about a database object
names the object (logicalLocations); checks that did not finish are tool notifications."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

from pgsage.model import Finding, Report, RuleInfo, Severity
from pgsage.reports.layout import failed_results, failure_message

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.INFO: "note", Severity.WARNING: "warning", Severity.ERROR: "error"}


def render(report: Report) -> str:
    rules = _rules(report)
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    failed = failed_results(report)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pgsage",
                "version": _version(),
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": not failed,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": failure_message(result)},
                        "descriptor": {"id": result.check},
                    }
                    for result in failed
                ],
            }
        ],
        "results": [_result(f, index, _scope(report)) for f in report.findings],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rules(report: Report) -> list[dict[str, Any]]:
    """The producer's rule metadata; a check it did not describe gets a descriptor of its id."""
    described = {rule.id: rule for rule in report.rules}
    named = {f.check: f for f in report.findings}
    rules = [_descriptor(rule) for rule in sorted(described.values(), key=lambda r: r.id)]
    rules += [
        {
            "id": check,
            "name": check,
            "properties": {"category": finding.category, "aliases": list(finding.aliases)},
        }
        for check, finding in sorted(named.items())
        if check not in described
    ]
    return rules


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.summary or rule.id},
        "fullDescription": {"text": rule.description or rule.summary or rule.id},
    }
    if rule.help:
        descriptor["help"] = {"text": rule.help}
    descriptor["defaultConfiguration"] = {"level": _LEVEL[rule.severity]}
    descriptor["properties"] = {"group": rule.category, "aliases": list(rule.aliases)}
    return descriptor


def _scope(report: Report) -> dict[str, Any]:
    """Where a finding about no object is: the database examined, else the command's run."""
    if report.server is not None:
        return {"name": report.server.database, "kind": "database"}
    return {"name": report.command, "kind": "module"}


def _result(finding: Finding, index: dict[str, int], scope: dict[str, Any]) -> dict[str, Any]:
    message = finding.message
    if finding.location is None and finding.object is not None:
        message = f"{finding.object}: {message}"
    fix = finding.fix_sql
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "ruleIndex": index.get(finding.check, 0),
        "level": _LEVEL[finding.severity],
        "message": {"text": message + (f" Fix: {fix}" if fix else "")},
        "locations": [_location(finding, scope)],
    }
    if finding.evidence:
        result["properties"] = {"evidence": dict(finding.evidence)}
    return result


def _location(finding: Finding, scope: dict[str, Any]) -> dict[str, Any]:
    loc = finding.location
    if loc is not None:
        region: dict[str, int] = {}
        if loc.line is not None:
            region["startLine"] = loc.line
            if loc.column is not None:
                region["startColumn"] = loc.column
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(loc.file)}}
        if region:
            physical["region"] = region
        return {"physicalLocation": physical}
    obj = finding.object
    if obj is None:
        return {"logicalLocations": [scope]}
    logical: dict[str, Any] = {"name": obj.name, "fullyQualifiedName": str(obj), "kind": obj.kind}
    return {"logicalLocations": [logical]}


def _uri(file: str) -> str:
    """A relative path as given (code scanning resolves it from the repository root); an
    absolute one as a file:// URI, which upload-sarif maps into the checkout."""
    path = Path(file)
    return path.as_uri() if path.is_absolute() else path.as_posix()


def _version() -> str:
    try:
        return metadata.version("pgsage")
    except metadata.PackageNotFoundError:
        return "0+unknown"
