"""Running squawk's own cases (../shared/conformance/squawk_cases.tsv) through pgsage lint."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pgsage.lint.engine import lint_units, select_rules
from pgsage.lint.model import LintOptions, SourceKind, Unit

CASES = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "squawk_cases.tsv"


@dataclass(frozen=True)
class Case:
    case_id: str
    rule: str
    expected: bool
    sql: str
    settings: dict[str, str]


def unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "nt\\":
            out.append({"n": "\n", "t": "\t", "\\": "\\"}[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def load_cases(path: Path = CASES) -> list[Case]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    cases = []
    for row in rows:
        settings = dict(
            part.split("=", 1) for part in (row["settings"] or "").split(",") if "=" in part
        )
        cases.append(
            Case(
                row["case_id"],
                row["rule"],
                row["expected"] == "violation",
                unescape(row["sql"]),
                settings,
            )
        )
    return cases


def verdict(case: Case) -> tuple[bool, list[str]]:
    """Whether the squawk rule (or a pgsage rule listing it as alias) fires, and all rules hit."""
    options = LintOptions(
        pg_version=int(case.settings.get("pg_version", "18")),
        assume_in_transaction=case.settings.get("assume_in_transaction") == "true",
    )
    unit = Unit(path=Path(f"{case.case_id}.sql"), kind=SourceKind.SQL, sql=case.sql)
    result = lint_units([unit], options, select_rules(["ALL"]))
    fired = sorted(
        {v.rule for v in result.violations} | {a for v in result.violations for a in v.aliases}
    )
    return case.rule in fired, fired
