"""Configuration: environment (PGSAGE_*, DATABASE_URL), pyproject ``[tool.pgsage]``, then flags.

Only the adapters (CLI, web, exporter) build a Settings; everything below receives it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pgsage.errors import UsageError


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


def load_settings(project_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from pyproject ``[tool.pgsage]`` and the environment, then explicit overrides.

    Explicit overrides (command-line flags) win over the environment, which wins over the file.
    """
    from_file: dict[str, Any] = {}
    path = project_file if project_file is not None else Path("pyproject.toml")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"cannot read {path}: {exc}") from None
        from_file = dict(data.get("tool", {}).get("pgsage", {}))
    env_settings = Settings()
    merged = {**from_file, **env_settings.model_dump(exclude_unset=True)}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(merged)
    except ValueError as exc:
        first = str(exc).splitlines()
        raise UsageError(f"invalid settings: {' '.join(first[:3])}") from None
