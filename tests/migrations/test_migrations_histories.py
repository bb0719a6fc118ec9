"""migrations check on the shapes of real Alembic histories (issue 19, items 11, 12, 15).

The projects under projects/ reproduce, reduced, revisions of full-stack-fastapi-template
(backend/app/alembic) and pypi/warehouse (warehouse/migrations); each file names its source.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from migproj import project

from pgharness import DEBIAN_PG15, TestServer, cleanup_root, make_root
from pgsage.commands.migrations import CheckOptions, stage_summary
from pgsage.commands.migrations import check_project as run_check
from pgsage.migrations.findings import details_of, revision_of
from pgsage.migrations.scratch import ScratchServer, extensions_created
from pgsage.model import Report, Status


def checks_of(outcome: Report) -> set[tuple[str, str | None]]:
    return {(f.check, revision_of(f)) for f in outcome.findings}


def test_a_later_downgrade_is_not_blamed_on_the_revisions_below(server: TestServer) -> None:
    # full-stack-fastapi-template: d98dd8ec85a3's downgrade leaves owner_id nullable and the ids
    # without their sequence default; 9c0a54914c78 below it got roundtrip-mismatch for that.
    outcome = run_check(
        project("blame_later_downgrade"), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    assert checks_of(outcome) == {("downgrade-incomplete", "b003")}
    details = details_of(outcome.findings[0])
    assert any("item.owner_id: nullable 'not null' before the upgrade" in d for d in details)
    assert any(d.startswith("column public.item.id: default") for d in details)


def test_data_only_revisions_without_downgrade_do_not_stop_the_walk(server: TestServer) -> None:
    # warehouse: a backfill with `pass` as its downgrade stopped the walk at the second revision
    # from the head; now it is stepped over (info) and d001 below is round-tripped.
    outcome = run_check(project("data_only"), CheckOptions(dsn=server.admin_dsn(), drift=False))
    assert checks_of(outcome) == {
        ("empty-downgrade", "d002"),
        ("roundtrip-data-only", "d002"),
        ("downgrade-incomplete", "d001"),
    }
    data_only = next(f for f in outcome.findings if f.check == "roundtrip-data-only")
    assert data_only.severity.value == "info"


def test_extensions_created_are_read_from_the_revision_texts(tmp_path: Path) -> None:
    revision = tmp_path / "r.py"
    revision.write_text(
        "op.execute('CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\"')\n"
        'op.execute(sa.text("create extension citext"))\n'
    )
    assert extensions_created([revision]) == {"uuid-ossp", "citext"}


def test_a_server_without_the_extension_is_a_server_problem(pg18: TestServer) -> None:
    if "pgcrypto" in pg18.available_extensions:
        pytest.skip("this PostgreSQL 18 build has pgcrypto")
    outcome = run_check(project("needs_pgcrypto"), CheckOptions(dsn=pg18.admin_dsn(), drift=False))
    assert outcome.findings == []  # no revision is blamed
    upgrade = next(r for r in outcome.results if r.check == "upgrade")
    assert upgrade.status is Status.ERROR
    assert upgrade.reason is not None and "no pgcrypto extension" in upgrade.reason
    assert stage_summary(outcome)["roundtrip"].startswith("not run: the scratch server has no")


def test_the_history_runs_where_the_extension_is(pg15: TestServer) -> None:
    if "pgcrypto" not in pg15.available_extensions:
        pytest.skip("this PostgreSQL 15 has no pgcrypto")
    outcome = run_check(project("needs_pgcrypto"), CheckOptions(dsn=pg15.admin_dsn(), drift=False))
    assert outcome.findings == []
    assert stage_summary(outcome) == {"graph": "ok", "upgrade": "ok", "roundtrip": "ok"}


@pytest.mark.skipif(not (DEBIAN_PG15 / "postgres").exists(), reason="no Debian PostgreSQL 15")
def test_without_dsn_a_system_server_with_the_extension_is_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # not under pytest's tmp dirs: the servers may run as the unprivileged "pgsage" user
    root = make_root()
    home = root / "home"
    monkeypatch.setenv("PGSAGE_HOME", str(home))
    try:
        chosen = ScratchServer.choose(None, frozenset({"pgcrypto"}))
        assert chosen.missing == ()
        assert "system PostgreSQL 15" in chosen.description
        with psycopg.connect(chosen.admin_dsn) as conn:
            row = conn.execute("SELECT name FROM pg_available_extensions WHERE name = 'pgcrypto'")
            assert row.fetchone() is not None
    finally:
        from pgsage.db.embedded import Binaries, EmbeddedServer

        system = EmbeddedServer(home.with_name("home-pg15"), Binaries(DEBIAN_PG15, "PG15"))
        for server in (EmbeddedServer(home), system):
            if server.cluster.datadir.exists():
                server.stop()
        cleanup_root(root)


def test_a_failing_downgrade_does_not_end_the_walk(server: TestServer) -> None:
    # warehouse: df52c3746740's downgrade cannot run (drop_constraint(None, ...)); the 270
    # revisions below it were never round-tripped. The schema before it is rebuilt from empty.
    outcome = run_check(
        project("downgrade_fails"), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    assert checks_of(outcome) == {
        ("downgrade-fails", "f002"),
        ("roundtrip-resumed", "f002"),
        ("downgrade-incomplete", "f001"),
    }
