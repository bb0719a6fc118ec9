"""The project's own Python interpreter, and the models' DDL as that interpreter produces it.

A project may need a newer Python than pgsage's (deferred annotations), or packages pgsage's
environment lacks; its models then do not import in-process. Its own interpreter imports them in
a subprocess (:mod:`models_ddl_script`, which needs only SQLAlchemy there) and prints the DDL
``metadata.create_all()`` would send; drift builds that on a scratch database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pgsage.errors import UsageError

# Importing a large model package is quick; a hang (an import that waits on a network) is not.
IMPORT_TIMEOUT_S = 120
VENV_NAMES = (".venv", "venv")
NO_SQLALCHEMY = 3  # as models_ddl_script says
BAD_MODELS = 4


@dataclass(frozen=True)
class ModelsDDL:
    """The statements ``create_all()`` sends, as the project's interpreter compiled them."""

    python: str
    statements: tuple[str, ...]


def given_python(path: Path) -> str:
    """``--python PATH`` checked: an executable file (bad input is a usage error)."""
    if not path.is_file() or not os.access(path, os.X_OK):
        raise UsageError(f"--python: no executable interpreter at {path}")
    return str(path.absolute())


def project_python(project_dir: Path) -> str | None:
    """A virtual environment's interpreter for the project: ``.venv`` or ``venv`` in its folder
    or a parent up to the repository root, else ``$VIRTUAL_ENV``; never pgsage's own."""
    own = Path(sys.prefix).resolve()
    for folder in _up_to_repo_root(project_dir.resolve()):
        for name in VENV_NAMES:
            python = _venv_python(folder / name)
            if python is not None and (folder / name).resolve() != own:
                return str(python)
    active = os.environ.get("VIRTUAL_ENV")
    if active and Path(active).resolve() != own:
        python = _venv_python(Path(active))
        return str(python) if python is not None else None
    return None


def _up_to_repo_root(start: Path) -> list[Path]:
    """``start`` and its parents up to the one holding ``.git``; ``start`` alone outside a
    repository (a venv found anywhere above would be a guess)."""
    chain = [start, *start.parents]
    for i, folder in enumerate(chain):
        if (folder / ".git").exists():
            return chain[: i + 1]
    return [start]


def _venv_python(venv: Path) -> Path | None:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def models_ddl(
    python: str, spec: str, sys_paths: list[Path], cwd: Path, timeout_s: float = IMPORT_TIMEOUT_S
) -> ModelsDDL | str:
    """The models' DDL from ``python``, or one line saying why drift cannot run."""
    script = resources.files("pgsage.migrations").joinpath("models_ddl_script.py").read_text()
    try:
        done = subprocess.run(
            [python, "-c", script, spec, json.dumps([str(p) for p in sys_paths])],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"importing {spec} with {python} took longer than {timeout_s:g} s"
    except OSError as exc:
        return f"cannot run {python}: {exc.strerror or exc}"
    return _outcome(python, done)


def _outcome(python: str, done: subprocess.CompletedProcess[str]) -> ModelsDDL | str:
    reason = _last_line(done.stderr)
    if done.returncode == NO_SQLALCHEMY:
        return (
            f"the project's interpreter lacks SQLAlchemy, the one package drift needs there "
            f"({python}: {reason})"
        )
    if done.returncode == BAD_MODELS:
        return f"{python}: {reason}"
    if done.returncode != 0:
        return f"{python} failed (exit {done.returncode}): {reason}"
    try:
        statements = json.loads(done.stdout)["statements"]
    except (ValueError, KeyError, TypeError):
        return f"{python} printed no DDL: {_last_line(done.stdout)}"
    return ModelsDDL(python=python, statements=tuple(str(s) for s in statements))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"
