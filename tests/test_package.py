"""The package as a library: one version source (pyproject.toml takes pgsage.__version__) and
the public API of ``__all__``, imported on first use."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pgsage

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "pgsage.__version__"}


def test_the_version_is_a_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+|\.dev\d+)?", pgsage.__version__)


def test_the_installed_distribution_has_the_same_version() -> None:
    # An editable install records the version when it is installed: a stale venv shows here.
    assert importlib.metadata.version("pgsage") == pgsage.__version__


def test_every_public_name_resolves() -> None:
    for name in pgsage.__all__:
        assert getattr(pgsage, name) is not None, name
    assert callable(pgsage.instrument) and callable(pgsage.audit)
    assert pgsage.Report.__module__ == "pgsage.model"
    assert set(pgsage.__all__) <= set(dir(pgsage))
    assert set(pgsage.__all__) == {"__version__", *pgsage._LAZY_EXPORTS}


def test_import_pgsage_imports_none_of_its_exports() -> None:
    code = (
        "import sys, pgsage\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('pgsage.') "
        "or m.split('.')[0] in ('sqlalchemy', 'psycopg', 'pydantic', 'rich', 'typer'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == []
