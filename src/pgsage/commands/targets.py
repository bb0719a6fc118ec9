"""Which databases a long-running adapter serves: ``--dsn``, ``--target NAME=DSN`` (repeatable)
and a ``--targets-file`` TOML ``[targets]`` table. The exporter uses it; the web app and the
MCP server take the same syntax."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pgsage.db.connect import DEFAULT_TARGET, redact, validate_dsn
from pgsage.errors import UsageError


def parse_targets(values: list[str]) -> dict[str, str]:
    """``NAME=DSN`` values as a name → DSN mapping; the DSN is never echoed in an error."""
    targets: dict[str, str] = {}
    for value in values:
        name, sep, dsn = value.partition("=")
        name = name.strip()
        if not sep or not name or not dsn.strip():
            raise UsageError(f"--target expects NAME=DSN, not {redact(value)!r}")
        if name in targets:
            raise UsageError(f"--target {name} is given twice")
        validate_dsn(dsn.strip())
        targets[name] = dsn.strip()
    return targets


def load_targets_file(path: Path) -> list[str]:
    """``NAME=DSN`` entries from a TOML file's ``[targets]`` table (``name = "dsn"``), which
    keeps passwords out of the process list."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    targets = data.get("targets")
    if not isinstance(targets, dict) or not all(isinstance(v, str) for v in targets.values()):
        raise UsageError(f'{path} needs a [targets] table of name = "dsn" entries')
    return [f"{name}={dsn}" for name, dsn in targets.items()]


def resolve_targets(
    dsn: str | None, target_values: list[str], targets_file: Path | None = None
) -> dict[str, str]:
    """The targets to serve: the file's, then ``--target``s, and ``dsn`` (the configured
    default database) as the target named ``default``."""
    targets = parse_targets(
        [*(load_targets_file(targets_file) if targets_file else []), *target_values]
    )
    if dsn:
        if DEFAULT_TARGET in targets:
            raise UsageError(f"--target {DEFAULT_TARGET} clashes with --dsn")
        validate_dsn(dsn)
        targets[DEFAULT_TARGET] = dsn
    return targets
