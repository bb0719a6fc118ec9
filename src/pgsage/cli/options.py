"""What every command of the CLI shares: options, settings, output, the gate, error lines."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from pgsage.cli.console import StderrConsole
from pgsage.errors import UsageError
from pgsage.model import FailOn, Report
from pgsage.reports import FORMATS

if TYPE_CHECKING:
    from pgsage.settings import Settings

err = StderrConsole()


class Format:
    """The format names the adapters refer to; every format is a module of pgsage.reports
    (``FORMATS``), and ``human`` is lint's old name for ``text``."""

    text = "text"
    json = "json"
    human = "human"


FORMAT_ALIASES = {Format.human: Format.text}
# Marks the option that takes a report format (cli.guard picks it from an -o file's suffix).
REPORT_FORMAT_METAVAR = "FORMAT"


def renderer_of(fmt: str) -> str:
    return FORMAT_ALIASES.get(fmt, fmt)


def _known_format(value: str) -> str:
    if renderer_of(value) not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


DsnOpt = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="PostgreSQL DSN (URI or key=value). Default: $DATABASE_URL, else the embedded server.",
        show_default=False,
    ),
]
SnapshotOpt = Annotated[
    Path | None,
    typer.Option(
        "--snapshot",
        help="Work offline from a snapshot file made by `pgsage snapshot`.",
        show_default=False,
    ),
]
StatementTimeoutOpt = Annotated[
    int | None,
    typer.Option(
        "--statement-timeout",
        help="statement_timeout in ms for pgsage's session [default: 30000]",
        show_default=False,
    ),
]
LockTimeoutOpt = Annotated[
    int | None,
    typer.Option(
        "--lock-timeout",
        help="lock_timeout in ms for pgsage's session [default: 1000]",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="pyproject.toml with a [tool.pgsage] table [default: ./pyproject.toml]",
        show_default=False,
    ),
]


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"pgsage: error: {message}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


def build_settings(config: Path | None = None, **overrides: Any) -> Settings:
    from pgsage.db.connect import validate_dsn
    from pgsage.settings import load_settings

    if config is not None and not config.is_file():
        raise UsageError(f"config file not found: {config}")
    if overrides.get("dsn") is not None:
        validate_dsn(overrides["dsn"])  # an empty --dsn is an error, not the embedded server
    settings = load_settings(config, **overrides)
    if settings.dsn:
        validate_dsn(settings.dsn)
    return settings


def merge_params(
    base: dict[str, dict[str, Any]], assignments: list[str]
) -> dict[str, dict[str, Any]]:
    """Apply --param CHECK.NAME=VALUE overrides on top of the configured ones."""
    merged = {check: dict(values) for check, values in base.items()}
    for assignment in assignments:
        target, sep, value = assignment.partition("=")
        check, dot, name = target.partition(".")
        if not (sep and dot and check and name):
            raise UsageError(f"--param expects CHECK.NAME=VALUE, not {assignment!r}")
        merged.setdefault(check, {})[name] = value
    return merged


def write_output(text: str, output: Path | None) -> None:
    """Standard output, or the file written whole: a temporary file beside it, renamed over it
    once complete, so that a full disk or an interrupt never leaves half a report."""
    if output is None:
        sys.stdout.write(text)
        return
    write_file_atomically(output, text)


def write_file_atomically(output: Path, text: str) -> None:
    temporary: Path | None = None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, output)
        temporary = None
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def render(report: Report, fmt: str) -> str:
    from pgsage.reports import RENDERERS

    return RENDERERS[renderer_of(fmt)](report)


def exit_for(report: Report, fail_on: FailOn) -> None:
    """The one ``--fail-on``: exit 1 on findings at or above the level, 2 when the run cannot
    vouch for anything (a check failed, or none ran); said in one line on stderr."""
    gate = report.gate(fail_on)
    if gate.exit_code == 2:
        fail(f"--fail-on {fail_on.value}: {gate.reason}", 2)
    if gate.exit_code:
        raise typer.Exit(gate.exit_code)


FailOnOpt = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a finding is at or above this severity; exit 2 when a check did not "
        "finish or none ran.",
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        callback=_known_format,
        metavar=REPORT_FORMAT_METAVAR,
        help=f"Output format: {', '.join(FORMATS)}.",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report here.", show_default=False),
]
