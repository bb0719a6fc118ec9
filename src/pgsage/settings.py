"""Configuration: environment (PGSAGE_*, DATABASE_URL), pyproject ``[tool.pgsage]``, then flags.

One model owns all of ``[tool.pgsage]``: the audit's keys, ``[tool.pgsage.checks.<id>]``
thresholds and ``[tool.pgsage.lint]``. Only the adapters (CLI, web, exporter, MCP) build a
Settings; everything below receives it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from pgsage.errors import UsageError


class LintSettings(BaseModel):
    """``[tool.pgsage.lint]``: the project's lint defaults (command-line options override them).

    [tool.pgsage.lint]
    pg-version = 16
    extend-select = ["prefer-text-field"]
    ignore = ["prefer-bigint-over-int"]
    assume-in-transaction = false
    downgrade = true
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = Field(default=(), alias="extend-select")
    ignore: tuple[str, ...] = ()
    pg_version: int | None = Field(default=None, alias="pg-version", ge=9, le=30)
    assume_in_transaction: bool = Field(default=False, alias="assume-in-transaction")
    downgrade: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PGSAGE_", extra="forbid", populate_by_name=True)

    dsn: str | None = Field(
        default=None, validation_alias=AliasChoices("PGSAGE_DSN", "DATABASE_URL")
    )
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    lock_timeout_ms: int = Field(default=1_000, ge=0)
    application_name: str = "pgsage"
    # Per-check parameter overrides: {"unused-index": {"min_size_bytes": 1048576}}.
    checks: dict[str, dict[str, Any]] = Field(default_factory=dict)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    lint: LintSettings = Field(default_factory=LintSettings)

    @field_validator("dsn")
    @classmethod
    def _libpq_dsn(cls, value: str | None) -> str | None:
        """A SQLAlchemy URL (``postgresql+asyncpg://``) works as a DSN; an empty variable
        (``DATABASE_URL=``) counts as unset — an empty ``--dsn`` flag is refused earlier."""
        from pgsage.db.connect import normalize_dsn

        return normalize_dsn(value) if value and value.strip() else None


def load_settings(project_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from pyproject ``[tool.pgsage]`` and the environment, then explicit overrides.

    Explicit overrides (command-line flags) win over the environment, which wins over the file.
    """
    from_file: dict[str, Any] = {}
    path = project_file if project_file is not None else Path("pyproject.toml")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"cannot read {path}: {_one_line(str(exc))}") from None
        table = data.get("tool", {}).get("pgsage", {})
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [tool.pgsage] must be a table")
        from_file = dict(table)
    try:
        env_settings = Settings()
    except ValidationError as exc:
        raise UsageError(f"invalid environment: {describe_errors(exc, 'PGSAGE_')}") from None
    except SettingsError as exc:  # a list or table variable that is not JSON
        raise UsageError(
            f'invalid environment: {_one_line(str(exc))} (lists are JSON: \'["a", "b"]\')'
        ) from None
    merged = {**from_file, **env_settings.model_dump(exclude_unset=True)}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise UsageError(f"{path}: {describe_errors(exc, '[tool.pgsage')}") from None


def describe_errors(exc: ValidationError, prefix: str) -> str:
    """pydantic's errors in one line: ``unknown [tool.pgsage.lint] key(s): selct`` or
    ``[tool.pgsage.lint] pg-version: Input should be a valid integer``."""
    unknown: dict[str, list[str]] = {}
    problems: list[str] = []
    for error in exc.errors():
        where = [str(part) for part in error["loc"]]
        if error["type"] == "extra_forbidden" and where:
            unknown.setdefault(_table(prefix, where[:-1]), []).append(where[-1])
            continue
        key = ".".join(where)
        name = (
            f"{prefix}{key.upper()}"
            if prefix.endswith("_")
            else f"{_table(prefix, where[:-1])} {where[-1] if where else ''}"
        )
        problems.append(f"{name.strip()}: {error['msg']}")
    parts = [f"unknown {table} key(s): {', '.join(keys)}" for table, keys in unknown.items()]
    return _one_line("; ".join(parts + problems))


def _table(prefix: str, path: list[str]) -> str:
    if prefix.endswith("_"):
        return prefix.rstrip("_")
    return f"{prefix}{''.join('.' + p for p in path)}]"


def _one_line(text: str) -> str:
    return " ".join(text.split())
