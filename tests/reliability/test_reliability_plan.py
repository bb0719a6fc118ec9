"""plan and monitoring: bad files, options and outputs are one line and exit 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from reliability_support import (
    PGSAGE,
    assert_clean_failure,
    bad_file,
    run,
    workdir,
)

SEED = Path(__file__).parents[1] / "plan" / "seed_backend"
PLAN = ["plan", "--models", "seed_models:metadata", "--path", str(SEED)]


@pytest.mark.parametrize("kind", ("binary", "directory", "missing"))
def test_bad_queries_file(tmp_path: Path, kind: str) -> None:
    work = workdir(tmp_path)
    bad = bad_file(tmp_path / "inputs", kind, ".sql")
    assert_clean_failure(run(*PLAN, "--queries", str(bad), cwd=work), work)


@pytest.mark.parametrize("kind", ("binary", "missing"))
def test_bad_source_file(tmp_path: Path, kind: str) -> None:
    work = workdir(tmp_path)
    bad = bad_file(tmp_path / "inputs", kind, ".py")
    assert_clean_failure(run(*PLAN, "--source", str(bad), cwd=work), work)


@pytest.mark.parametrize(
    "models", ["nomodule:metadata", "seed_models:nothing", "no-colon", ""], ids=str
)
def test_bad_models(tmp_path: Path, models: str) -> None:
    work = workdir(tmp_path)
    result = run("plan", "--models", models, "--path", str(SEED), cwd=work)
    assert_clean_failure(result, work)


@pytest.mark.parametrize("command", ["rules", "dashboard", "plan"])
def test_monitoring_output_to_a_full_disk(command: str) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [PGSAGE, "monitoring", command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    assert_clean_failure(done)


@pytest.mark.parametrize("command", ["rules", "dashboard", "plan"])
def test_monitoring_output_into_a_file_path(tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    work = workdir(tmp_path)
    result = run("monitoring", command, "-o", str(blocker / "out.yaml"), cwd=work)
    assert_clean_failure(result, work)
    assert blocker.read_text() == "x"
