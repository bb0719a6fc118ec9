"""Projects as they come: an env.py that cannot run offline, several heads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from migproj import PROJECTS

from pgharness import TestServer
from pgsage.commands.migrations import CheckOptions, stage_summary
from pgsage.commands.migrations import check_project as run_check
from pgsage.migrations.project import find_project
from pgsage.model import Status


def test_env_py_that_needs_settings_then_models_option(server: TestServer, tmp_path: Path) -> None:
    copy = tmp_path / "healthy"
    shutil.copytree(PROJECTS / "healthy", copy)
    env = copy / "alembic" / "env.py"
    env.write_text(
        "import os\nURL = os.environ['PGSAGE_TEST_UNSET_DATABASE_URL']\n" + env.read_text()
    )
    project = find_project(copy / "alembic.ini", None)
    outcome = run_check(project, CheckOptions(dsn=server.admin_dsn(), roundtrip=False))
    drift = next(r for r in outcome.results if r.check == "drift")
    # env.py does not import: drift could not run, an error the --fail-on gate does not pass
    assert drift.status is Status.ERROR
    assert drift.reason is not None and drift.reason.startswith("no models")
    assert "KeyError" in drift.reason
    assert stage_summary(outcome)["drift"].startswith("not run: no models")
    with_models = run_check(
        project,
        CheckOptions(dsn=server.admin_dsn(), roundtrip=False, models="mp_healthy_models:metadata"),
    )
    # the models match; without env.py's include_object the PERF_INDEXES index is drift
    assert stage_summary(with_models)["drift"] == "findings"
    assert [f.message for f in with_models.findings] == [
        "index public.ix_posts_author_created is only in the database"
    ]


def test_two_heads_still_upgrade_and_round_trip(server: TestServer, tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    revisions = {
        "a1": (
            None,
            'op.create_table("a", sa.Column("id", sa.Integer, primary_key=True))',
            'op.drop_table("a")',
        ),
        "b1": (
            '"a1"',
            'op.add_column("a", sa.Column("x", sa.Integer))',
            'op.drop_column("a", "x")',
        ),
        "c1": (
            '"a1"',
            'op.create_index("ix_a_id", "a", ["id"])',
            'op.drop_index("ix_a_id", table_name="a")',
        ),
    }
    for rev, (down, up, back) in revisions.items():
        (versions / f"{rev}.py").write_text(
            f"import sqlalchemy as sa\nfrom alembic import op\n\nrevision = {rev!r}\n"
            f"down_revision = {down}\n\n\ndef upgrade():\n    {up}\n\n\n"
            f"def downgrade():\n    {back}\n"
        )
    outcome = run_check(
        find_project(None, tmp_path), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    assert [f.check for f in outcome.findings] == ["multiple-heads"]
    assert stage_summary(outcome) == {"graph": "findings", "upgrade": "ok", "roundtrip": "ok"}


def test_dir_project_imports_models_from_the_working_directory(
    server: TestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--dir has no ini and so no prepend_sys_path: a --models module in the directory pgsage
    runs from is found, as it would be for `alembic` run there."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECTS / "healthy", copy)
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    (workdir / "wd_models.py").write_text((copy / "mp_healthy_models.py").read_text())
    monkeypatch.chdir(workdir)
    project = find_project(None, copy / "alembic")
    outcome = run_check(
        project, CheckOptions(dsn=server.admin_dsn(), roundtrip=False, models="wd_models:metadata")
    )
    drift = stage_summary(outcome)["drift"]
    assert not drift.startswith("not run"), drift
