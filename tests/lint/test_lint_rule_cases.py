"""Rule cases as data files: tests/lint/cases/<rule-id>/<case>.sql (or .py, an Alembic revision).

Header comments (``--`` in SQL, ``#`` in revisions) say what to expect:
``expect: 3, 7`` (lines where the folder's rule fires) or ``expect: none``; optional
``pg-version: 11``, ``assume-in-transaction``, ``select: other-rule`` (extra rules to run),
``message: text`` (text one of the rule's messages must contain).
Only the folder's rule is reported on; every rule has at least one positive and one negative case.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgsage.lint.rule import all_rules
from pgsage.lint.runner import lint

CASES = Path(__file__).parent / "cases"
HEADER = re.compile(
    r"^(?:--|#)\s*(expect|pg-version|assume-in-transaction|select|message)"
    r"\s*:?\s*(.*)$"
)


def case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*") if p.suffix in (".sql", ".py"))


def read_header(path: Path) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = HEADER.match(line.strip())
        if match:
            header[match.group(1)] = match.group(2).strip()
    return header


def expected_lines(header: dict[str, str]) -> list[int]:
    value = header["expect"]
    return [] if value == "none" else sorted(int(x) for x in value.split(","))


@pytest.mark.parametrize("path", case_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_case(path: Path) -> None:
    rule = path.parent.name
    header = read_header(path)
    extra = [r.strip() for r in header.get("select", "").split(",") if r.strip()]
    result = lint(
        [path],
        pg_version=int(header["pg-version"]) if "pg-version" in header else None,
        assume_in_transaction="assume-in-transaction" in header,
        select=[rule, *extra],
    )
    assert not result.errors, result.errors
    got = sorted({v.line for v in result.violations if v.rule == rule})
    assert got == expected_lines(header), [v.message for v in result.violations]
    if "message" in header:
        messages = [v.message for v in result.violations if v.rule == rule]
        assert any(header["message"] in m for m in messages), messages


def test_every_rule_has_positive_and_negative_cases() -> None:
    missing = []
    for rule in all_rules():
        files = list((CASES / rule.id).glob("*.*"))
        kinds = {bool(expected_lines(read_header(f))) for f in files}
        if kinds != {True, False}:
            missing.append(rule.id)
    assert not missing, f"rules without a positive and a negative case: {missing}"
