"""migrations squash on real servers: one baseline revision, verified, usable as a project."""

from __future__ import annotations

from pathlib import Path

from migproj import PROJECTS, project, run_cli

from pgharness import TestServer
from pgsage.migrations.check import CheckOptions, run_check
from pgsage.migrations.project import find_project
from pgsage.migrations.squash import squash


def test_baseline_is_verified_deterministic_and_checks_clean(server: TestServer,
                                                             tmp_path: Path) -> None:
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
    outcome = run_check(find_project(None, tmp_path),
                        CheckOptions(dsn=server.admin_dsn(), drift=False))
    assert outcome.findings == [], outcome.findings
    # same schema, same file
    again = squash(project("healthy"), tmp_path / "again", server.admin_dsn())
    assert again.revision_id == result.revision_id
    assert again.path is not None and again.path.read_text() == text


def test_cli_squash_refuses_a_broken_graph(tmp_path: Path) -> None:
    result = run_cli("squash", "--dir", str(PROJECTS / "broken_graph"), "--out",
                     str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("pgsage: error: cannot squash: the revision graph has")
