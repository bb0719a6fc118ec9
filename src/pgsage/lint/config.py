"""``[tool.pgsage.lint]`` in pyproject.toml: the project's lint defaults (options override them).

[tool.pgsage.lint]
pg-version = 16
extend-select = ["prefer-text-field"]
ignore = ["prefer-bigint-over-int"]
assume-in-transaction = false
downgrade = true
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgsage.errors import UsageError

_KEYS = {"select", "extend-select", "ignore", "pg-version", "assume-in-transaction", "downgrade"}


@dataclass(frozen=True)
class LintConfig:
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    pg_version: int | None = None
    assume_in_transaction: bool = False
    downgrade: bool = False


def _names(table: dict[str, Any], key: str, source: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{source}: [tool.pgsage.lint] {key} must be a list of rule names")
    return tuple(value)


def load_lint_config(path: Path | None) -> LintConfig:
    """The table from ``path`` (or ./pyproject.toml when it exists); empty when absent."""
    source = path or Path("pyproject.toml")
    if path is not None and not path.is_file():
        raise UsageError(f"config file not found: {path}")
    if not source.is_file():
        return LintConfig()
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {source}: {exc}") from None
    table = document.get("tool", {}).get("pgsage", {}).get("lint", {})
    if not isinstance(table, dict):
        raise UsageError(f"{source}: [tool.pgsage.lint] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise UsageError(f"{source}: unknown [tool.pgsage.lint] key(s): {', '.join(unknown)}")
    version = table.get("pg-version")
    if version is not None and not isinstance(version, int):
        raise UsageError(f"{source}: [tool.pgsage.lint] pg-version must be an integer")
    assume = table.get("assume-in-transaction", False)
    if not isinstance(assume, bool):
        raise UsageError(f"{source}: [tool.pgsage.lint] assume-in-transaction must be a boolean")
    downgrade = table.get("downgrade", False)
    if not isinstance(downgrade, bool):
        raise UsageError(f"{source}: [tool.pgsage.lint] downgrade must be a boolean")
    return LintConfig(
        select=_names(table, "select", source),
        extend_select=_names(table, "extend-select", source),
        ignore=_names(table, "ignore", source),
        pg_version=version,
        assume_in_transaction=assume,
        downgrade=downgrade,
    )
