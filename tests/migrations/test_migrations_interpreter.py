"""Models imported with the project's own interpreter (a subprocess), on real servers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from migproj import PROJECTS, project, run_cli

from pgharness import TestServer
from pgsage.commands.migrations import CheckOptions, stage_summary
from pgsage.commands.migrations import check_project as run_check
from pgsage.migrations.interpreter import project_python
from pgsage.migrations.project import find_project
from pgsage.model import Report


def make_venv(where: Path, with_sqlalchemy: bool = True) -> Path:
    """A real virtual environment from the interpreter running the tests; SQLAlchemy reaches it
    through a .pth file naming the folder pgsage's environment has it in."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120
    )
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    site = Path(purelib)
    if with_sqlalchemy:
        (site / "sqlalchemy_from_pgsage.pth").write_text(
            str(Path(sa.__file__).parent.parent) + "\n"
        )
    return site


def project_with_private_package(tmp_path: Path, with_sqlalchemy: bool = True) -> Path:
    """The drift project whose models import a package only its own venv has (and print)."""
    copy = tmp_path / "drift"
    shutil.copytree(PROJECTS / "drift", copy)
    site = make_venv(copy / ".venv", with_sqlalchemy)
    (site / "mp_private_types").mkdir()
    (site / "mp_private_types" / "__init__.py").write_text("NICKNAME_LENGTH = 50\n")
    models = copy / "mp_drift_models.py"
    models.write_text(
        "from mp_private_types import NICKNAME_LENGTH  # noqa: F401\n"
        # A module that prints on import must not corrupt the DDL the subprocess prints.
        "print('models loaded')\n" + models.read_text()
    )
    return copy


def messages(outcome: Report) -> list[str]:
    return sorted(f"{f.check}: {f.message}" for f in outcome.findings)


def test_project_venv_is_found_up_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    make_venv(tmp_path / ".venv", with_sqlalchemy=False)
    nested = tmp_path / "services" / "api"
    nested.mkdir(parents=True)
    assert project_python(nested) == str(tmp_path / ".venv" / "bin" / "python")


def test_subprocess_drift_equals_the_in_process_drift(server: TestServer) -> None:
    """The same models through pgsage's interpreter and through a subprocess (--python):
    reflected-from-DDL models give the findings create_all()'s MetaData gives."""
    options = CheckOptions(
        dsn=server.admin_dsn(), roundtrip=False, models="mp_drift_models:metadata"
    )
    in_process = run_check(project("drift"), options)
    subprocess_run = run_check(
        project("drift"),
        CheckOptions(
            dsn=server.admin_dsn(),
            roundtrip=False,
            models="mp_drift_models:metadata",
            python=Path(sys.executable),
        ),
    )
    assert stage_summary(subprocess_run)["drift"] == "findings"
    assert messages(subprocess_run) == messages(in_process)


def test_models_only_the_project_venv_imports(server: TestServer, tmp_path: Path) -> None:
    copy = project_with_private_package(tmp_path)
    found = find_project(copy / "alembic.ini", None)
    with pytest.raises(ImportError):
        __import__("mp_private_types")
    outcome = run_check(
        found,
        CheckOptions(dsn=server.admin_dsn(), roundtrip=False, models="mp_drift_models:metadata"),
    )
    text = "\n".join(messages(outcome))
    assert "drift-autogenerate: column public.users.nickname is only in the models" in text
    assert "CHECK (score >= 0)" in text and "CHECK (score >= 1)" in text
    assert "ix_posts_author_created" not in text  # env.py's include_object still applies


def test_project_interpreter_without_sqlalchemy(server: TestServer, tmp_path: Path) -> None:
    copy = project_with_private_package(tmp_path, with_sqlalchemy=False)
    result = run_cli(
        "check",
        "--config",
        str(copy / "alembic.ini"),
        "--dsn",
        server.admin_dsn(),
        "--no-roundtrip",
        "--models",
        "mp_drift_models:metadata",
        "--format",
        "json",
    )
    assert result.returncode == 2, result.stderr  # a stage that did not run fails the gate
    drift = json.loads(result.stdout)["stages"]["drift"]
    assert drift.startswith("not run: the project's interpreter lacks SQLAlchemy"), drift
    assert "SQLAlchemy is not installed" in drift and "\n" not in drift


def test_python_option_pointing_nowhere_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run_cli(
        "check",
        "--dir",
        str(PROJECTS / "drift" / "alembic"),
        "--models",
        "mp_drift_models:metadata",
        "--python",
        str(tmp_path / "no-such-python"),
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--python" in result.stderr and "no-such-python" in result.stderr


def test_python_option_without_models_is_a_usage_error() -> None:
    result = run_cli(
        "check", "--dir", str(PROJECTS / "drift" / "alembic"), "--python", sys.executable
    )
    assert result.returncode == 2
    assert "--python needs --models" in result.stderr
