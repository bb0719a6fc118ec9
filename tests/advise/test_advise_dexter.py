"""Dexter's conformance cases (tests/advise/cases/dexter/cases.toml, ported from ankane/dexter's
test suite): on PostgreSQL 15 with HypoPG, every case answers what Dexter expects, an index the
data file lists as equivalent, or the documented deliberate disagreement. The agreement figure
is bench/advise_dexter.py's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dexter_cases import DexterCase, agrees, answer, load_cases, set_up

from pgharness import TestDatabase, TestServer

CASES = load_cases()


@pytest.fixture(scope="module")
def dexter_db(servers: dict[str, TestServer | str]) -> Iterator[TestDatabase]:
    server = servers["pg15"]
    if isinstance(server, str) or "hypopg" not in server.available_extensions:
        reason = "Dexter's cases run on PostgreSQL 15 with HypoPG"
        if os.environ.get("PGSAGE_REQUIRE_ALL_SERVERS") == "1":
            pytest.fail(f"required server missing: {reason}")
        pytest.skip(reason)
    database = server.create_database("dexter")
    try:
        set_up(database.dsn)
        yield database
    finally:
        server.drop_database(database.name)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_dexter_case(dexter_db: TestDatabase, case: DexterCase, tmp_path: Path) -> None:
    found = answer(dexter_db.dsn, case, tmp_path)
    if case.ours is not None:
        assert case.why, f"{case.name}: a deliberate disagreement needs its measured reason"
        assert found == case.ours
    else:
        assert agrees(case, found), f"Dexter: {sorted(case.expected)}, pgsage: {sorted(found)}"


def test_every_case_cites_its_source() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        assert case.source.startswith("test/") and case.source.endswith("_test.rb")
        assert case.test.startswith("test_")
    assert len({c.name for c in CASES}) == len(CASES)
