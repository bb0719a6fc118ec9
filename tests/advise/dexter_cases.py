"""Dexter's conformance cases (tests/advise/cases/dexter): load them, set up their schema, run
pgsage's advisor on each and compare with Dexter's expected index. Shared by
tests/advise/test_advise_dexter.py (every case answers what the data file says) and
bench/advise_dexter.py (the agreement figure)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pgsage.advise.model import Advice, Candidate
from pgsage.commands.advise import AdviseOptions, advise

CASES_DIR = Path(__file__).resolve().parent / "cases" / "dexter"
ANY = "any"  # Dexter asserts only that some index is found


@dataclass(frozen=True)
class DexterCase:
    source: str
    test: str
    statements: tuple[str, ...]
    expected: frozenset[str]
    equivalent: frozenset[str] = frozenset()
    ours: frozenset[str] | None = None  # a deliberate disagreement: what pgsage answers
    why: str | None = None
    source_kind: str = "queries"  # queries, log, pg_stat_statements
    log: str = ""

    @property
    def name(self) -> str:
        return f"{Path(self.source).stem}::{self.test}"


def load_cases() -> list[DexterCase]:
    data = tomllib.loads((CASES_DIR / "cases.toml").read_text(encoding="utf-8"))
    return [
        DexterCase(
            source=c["source"],
            test=c["test"],
            statements=tuple(c["statements"]),
            expected=frozenset(c["expected"]),
            equivalent=frozenset(c.get("equivalent", ())),
            ours=frozenset(c["ours"]) if "ours" in c else None,
            why=c.get("why"),
            source_kind=c.get("source_kind", "queries"),
            log=c.get("log", ""),
        )
        for c in data["case"]
    ]


def set_up(dsn: str) -> None:
    """Dexter's schema (schema.sql) and HypoPG in a fresh database."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute((CASES_DIR / "schema.sql").read_text(encoding="utf-8").encode())


def notation(candidate: Candidate) -> str:
    """A recommendation in Dexter's notation, ``public.posts (user_id DESC, blog_id)``, with
    what Dexter never proposes spelled out so that it never counts as agreement: a method other
    than btree, an operator class, INCLUDE, a partial index's WHERE."""
    text = f"{candidate.table.schema}.{candidate.table.name}"
    if candidate.method != "btree":
        text += f" USING {candidate.method}"
    text += f" ({', '.join(candidate.columns)}"
    text += f" {candidate.opclass})" if candidate.opclass else ")"
    if candidate.include:
        text += f" INCLUDE ({', '.join(candidate.include)})"
    if candidate.where:
        text += f" WHERE {candidate.where}"
    return text


def answer(dsn: str, case: DexterCase, workdir: Path) -> frozenset[str]:
    """pgsage's recommendations for the case, in Dexter's notation."""
    advice = _advise(dsn, case, workdir)
    return frozenset(notation(r.candidate) for r in advice.recommendations)


def agrees(case: DexterCase, found: frozenset[str]) -> bool:
    if case.expected == frozenset({ANY}):
        return bool(found)
    if found == case.expected:
        return True
    alternatives = case.expected | case.equivalent
    return len(found) == len(case.expected) and found <= alternatives and bool(case.equivalent)


def _advise(dsn: str, case: DexterCase, workdir: Path) -> Advice:
    if case.source_kind == "log":
        path = workdir / f"{case.test}.log"
        path.write_text(case.log.lstrip(), encoding="utf-8")
        return advise(dsn, AdviseOptions(log_file=path))
    if case.source_kind == "pg_stat_statements":
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "SELECT public.pg_stat_statements_reset(0, d.oid, 0) FROM pg_catalog.pg_database d"
                " WHERE d.datname = pg_catalog.current_database()"
            )
            for statement in case.statements:
                conn.execute(statement.encode())
        return advise(dsn, AdviseOptions())
    path = workdir / f"{case.test}.sql"
    path.write_text("".join(f"{s};\n" for s in case.statements), encoding="utf-8")
    return advise(dsn, AdviseOptions(queries_file=path))
