"""migrations squash on real servers: one baseline revision, verified, usable as a project."""

from __future__ import annotations

from pathlib import Path

import psycopg
from migproj import PROJECTS, project, run_cli

from pgharness import TestServer
from pgsage.commands.migrations import CheckOptions
from pgsage.commands.migrations import check_project as run_check
from pgsage.commands.migrations import squash_project as squash
from pgsage.migrations.graph import load_graph
from pgsage.migrations.project import find_project
from pgsage.migrations.roundtrip import upgrade_all
from pgsage.migrations.scratch import ScratchServer


def test_baseline_is_verified_deterministic_and_checks_clean(
    server: TestServer, tmp_path: Path
) -> None:
    out = tmp_path / "versions"
    result = squash(project("healthy"), out, server.admin_dsn())
    assert result.findings == []
    assert result.path is not None and result.path.parent == out
    assert result.heads == ["h003"] and result.squashed == 3
    text = result.path.read_text()
    # the performance index kept out of the models is part of the head schema
    assert "CREATE INDEX ix_posts_author_created" in text
    assert "WHERE (score > 0)" in text
    assert f"alembic stamp --purge {result.revision_id}" in text
    # the baseline alone is a healthy Alembic project: graph, upgrade, round-trip
    outcome = run_check(
        find_project(None, tmp_path), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    assert outcome.findings == [], outcome.findings
    # same schema, same file
    again = squash(project("healthy"), tmp_path / "again", server.admin_dsn())
    assert again.revision_id == result.revision_id
    assert again.path is not None and again.path.read_text() == text


def test_cli_squash_refuses_a_broken_graph(tmp_path: Path) -> None:
    result = run_cli("squash", "--dir", str(PROJECTS / "broken_graph"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("pgsage: error: cannot squash: the revision graph has")


def test_reference_rows_survive_the_squash(server: TestServer, tmp_path: Path) -> None:
    result = squash(project("reference_data"), tmp_path / "versions", server.admin_dsn())
    assert result.findings == [] and result.data_tables == ["public.plans"]
    graph = load_graph(find_project(None, tmp_path))
    with ScratchServer(server.admin_dsn()).database("t") as dsn:
        assert upgrade_all(graph, dsn).complete
        with psycopg.connect(dsn) as conn:
            rows = conn.execute("SELECT id, name, note FROM plans ORDER BY id").fetchall()
            next_id = conn.execute("SELECT nextval('plans_id_seq')").fetchone()
    # a colon and quotes in the data survive op.execute's text() handling
    assert rows == [(1, "free", "time: 10:30"), (2, "pro", 'it\'s "quoted"')]
    assert next_id == (3,)
