"""Typer adapter for ``pgsage migrations check|trace|squash``: parse, call, render, exit code.

Exit codes: 0 clean, 1 findings at or above ``--fail-on`` (default warning), 2 bad input.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pgsage.cli.console import StderrConsole
from pgsage.model import Severity

# Alembic and SQLAlchemy are imported when a migrations command runs, not whenever `pgsage`
# starts (they would add a fifth of a second to `pgsage audit`).
if TYPE_CHECKING:
    from pgsage.migrations.findings import MigrationFinding
    from pgsage.migrations.project import AlembicProject

migrations_app = typer.Typer(
    no_args_is_help=True,
    help=(
        "Alembic migrations: check the revision graph, round-trip and drift on a throwaway server; "
        "trace the locks each statement takes; squash into one baseline revision."
    ),
)
err = StderrConsole()


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class FailOn(StrEnum):
    never = "never"
    info = "info"
    warning = "warning"
    error = "error"


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="alembic.ini of the project [default: ./alembic.ini]",
        show_default=False,
    ),
]
DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir", help="The Alembic script directory (instead of --config).", show_default=False
    ),
]
DsnOpt = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="A server where pgsage may create and drop scratch databases "
        "(pgsage_scratch_*); default: the embedded server. The DSN's own database "
        "is never written to.",
        show_default=False,
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
FailOnOpt = Annotated[
    FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(migrations_app, name="migrations")


def _project(config: Path | None, directory: Path | None) -> AlembicProject:
    from pgsage.migrations.project import find_project

    return find_project(config, directory)


def _exit_for(findings: list[MigrationFinding], fail_on: FailOn) -> None:
    if fail_on is FailOn.never:
        return
    level = Severity(fail_on.value)
    if any(f.severity.rank >= level.rank for f in findings):
        raise typer.Exit(1)


def _progress(fmt: OutputFormat) -> Any:
    return lambda message: err.print(f"· {message}", highlight=False, markup=False)


def _write_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


@migrations_app.command("check")
def check_cmd(
    config: ConfigOpt = None,
    directory: DirOpt = None,
    dsn: DsnOpt = None,
    models: Annotated[
        str | None,
        typer.Option(
            "--models",
            help="The models' MetaData as module:attribute (a declarative base works "
            "too) [default: env.py's target_metadata]",
            show_default=False,
        ),
    ] = None,
    no_server: Annotated[
        bool, typer.Option("--no-server", help="Check the revision graph only.")
    ] = False,
    no_roundtrip: Annotated[
        bool, typer.Option("--no-roundtrip", help="Skip the down/up round-trip.")
    ] = False,
    no_drift: Annotated[
        bool, typer.Option("--no-drift", help="Skip the comparison with the models.")
    ] = False,
    fmt: FormatOpt = OutputFormat.text,
    fail_on: FailOnOpt = FailOn.warning,
) -> None:
    """Check the revision graph, upgrade/downgrade round-trips and drift from the models."""
    from pgsage.migrations.check import CheckOptions, run_check
    from pgsage.migrations.render import render_check

    project = _project(config, directory)
    options = CheckOptions(
        dsn=dsn, models=models, server=not no_server, roundtrip=not no_roundtrip, drift=not no_drift
    )
    outcome = run_check(project, options, _progress(fmt))
    if fmt is OutputFormat.json:
        _write_json(outcome.to_json())
    else:
        sys.stdout.write(render_check(outcome))
    _exit_for(outcome.findings, fail_on)


@migrations_app.command("trace")
def trace_cmd(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="SQL files to trace (instead of the project's revisions), in order.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    directory: DirOpt = None,
    revision: Annotated[
        list[str] | None,
        typer.Option(
            "--revision", "-r", help="Trace only this revision (repeatable).", show_default=False
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Trace only the revisions after this one.", show_default=False
        ),
    ] = None,
    setup: Annotated[
        Path | None,
        typer.Option(
            "--setup",
            help="SQL file that creates the schema the SQL files run against "
            "(default: the Alembic project's head, when there is one).",
            show_default=False,
        ),
    ] = None,
    dsn: DsnOpt = None,
    fmt: FormatOpt = OutputFormat.text,
    fail_on: FailOnOpt = FailOn.warning,
) -> None:
    """Measure per statement the locks, rewrites and scans of revisions or SQL files."""
    from pgsage.migrations.render import render_trace
    from pgsage.migrations.tracecmd import TraceOptions, run_trace

    result = run_trace(
        TraceOptions(
            files=list(files or []),
            config=config,
            directory=directory,
            revisions=list(revision or []),
            since=since,
            setup=setup,
            dsn=dsn,
        )
    )
    if fmt is OutputFormat.json:
        _write_json(result.to_json())
    else:
        sys.stdout.write(render_trace(result))
    _exit_for(result.findings, fail_on)


@migrations_app.command("squash")
def squash_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory to write the baseline revision into.")
    ] = Path("squashed"),
    config: ConfigOpt = None,
    directory: DirOpt = None,
    rev_id: Annotated[
        str | None,
        typer.Option(
            "--rev-id",
            help="Revision id of the baseline [default: a hash of the schema]",
            show_default=False,
        ),
    ] = None,
    dsn: DsnOpt = None,
    fmt: FormatOpt = OutputFormat.text,
) -> None:
    """Write one verified baseline revision equal to the head schema, with stamping steps."""
    from pgsage.migrations.render import finding_lines
    from pgsage.migrations.squash import squash

    result = squash(_project(config, directory), out, dsn, rev_id)
    if fmt is OutputFormat.json:
        _write_json(result.to_json())
    elif result.path is not None:
        sys.stdout.write(
            f"baseline revision {result.revision_id} ({result.statements} "
            f"statements, {result.squashed} revisions squashed) → {result.path}\n"
            "verified: same schema as the old head; downgrade and upgrade again "
            "give it too\n"
            + (
                f"rows the migrations inserted are kept as INSERTs: "
                f"{', '.join(result.data_tables)}\n"
                if result.data_tables
                else ""
            )
            + f"\n{result.instructions}\n"
        )
    else:
        lines = ["the baseline failed verification; nothing written"]
        for finding in result.findings:
            lines.extend(finding_lines(finding))
        sys.stdout.write("\n".join(lines) + "\n")
    if result.path is None:
        raise typer.Exit(1)
