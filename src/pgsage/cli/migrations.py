"""Typer adapter for ``pgsage migrations check|trace|squash``: parse, call, render, exit code.

The work is ``pgsage.commands.migrations``; findings are rendered by the shared renderers.
Exit codes: 0 clean, 1 findings at or above ``--fail-on`` (default warning), 2 bad input or a
stage that did not run (with ``--fail-on``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pgsage.cli.console import StderrConsole
from pgsage.cli.options import (
    FailOnOpt,
    Format,
    FormatOpt,
    OutputOpt,
    exit_for,
    render,
    renderer_of,
    write_output,
)
from pgsage.errors import UsageError
from pgsage.model import FailOn

# Alembic and SQLAlchemy are imported when a migrations command runs, not whenever `pgsage`
# starts (they would add a fifth of a second to `pgsage audit`).
if TYPE_CHECKING:
    from pgsage.migrations.trace import TraceResult

migrations_app = typer.Typer(
    no_args_is_help=True,
    help=(
        "Alembic migrations: check the revision graph, round-trip and drift on a throwaway server; "
        "trace the locks each statement takes; squash into one baseline revision."
    ),
)
err = StderrConsole()


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
VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", help="Keep the project's own log lines (Alembic's INFO) on stderr."),
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


def register(app: typer.Typer) -> None:
    app.add_typer(migrations_app, name="migrations")


def _progress(message: str) -> None:
    err.print(f"· {message}", highlight=False, markup=False)


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


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
    python: Annotated[
        Path | None,
        typer.Option(
            "--python",
            help="The project's Python interpreter, to import --models with (needs only "
            "SQLAlchemy there) [default: pgsage's, else the project's .venv or venv, or "
            "$VIRTUAL_ENV, when the models do not import in pgsage's]",
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
    require_backup: Annotated[
        Path | None,
        typer.Option(
            "--require-backup",
            help="Fail unless this backup directory holds a verified backup (pgsage backup).",
            show_default=False,
        ),
    ] = None,
    backup_max_age_hours: Annotated[
        float, typer.Option("--backup-max-age-hours", help="How fresh that backup must be.")
    ] = 24.0,
    fmt: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.WARNING,
    verbose: VerboseOpt = False,
) -> None:
    """Check the revision graph, upgrade/downgrade round-trips and drift from the models."""
    from pgsage.commands.migrations import CheckOptions, check, stage_summary

    options = CheckOptions(
        config=config,
        directory=directory,
        dsn=dsn,
        models=models,
        python=python,
        server=not no_server,
        roundtrip=not no_roundtrip,
        drift=not no_drift,
        require_backup=require_backup,
        backup_max_age_hours=backup_max_age_hours,
        verbose=verbose,
    )
    report = check(options, _progress)
    if fmt == Format.json:
        # The unified Report, plus the `stages` map the command printed before it.
        document = report.to_json()
        text = _json(
            {"command": document.pop("command"), "stages": stage_summary(report)} | document
        )
    else:
        text = render(report, fmt)
    write_output(text, output)
    exit_for(report, fail_on)


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
    fmt: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.WARNING,
    verbose: VerboseOpt = False,
) -> None:
    """Measure per statement the locks, rewrites and scans of revisions or SQL files."""
    from pgsage.commands.migrations import TraceOptions, trace

    run = trace(
        TraceOptions(
            files=list(files or []),
            config=config,
            directory=directory,
            revisions=list(revision or []),
            since=since,
            setup=setup,
            dsn=dsn,
            verbose=verbose,
        )
    )
    if fmt == Format.json:
        text = _json(run.to_json())
    elif renderer_of(fmt) == "text":
        text = trace_listing(run.trace) + "\n" + render(run.report, fmt)
    else:
        text = render(run.report, fmt)
    write_output(text, output)
    exit_for(run.report, fail_on)


def trace_listing(result: TraceResult) -> str:
    """The per-statement view of a trace (not findings, so not a Report): per source, each
    statement with the locks it took and what it rewrote, scanned, created and dropped."""
    lines: list[str] = []
    source = None
    for trace in result.statements:
        if trace.source != source:
            if source is not None:
                lines.extend(_held(result, source))
            source = trace.source
            lines.append(f"== {source}")
        where = f" (line {trace.line})" if trace.line else ""
        flat = " ".join(trace.sql.split())
        lines.append(f"[{trace.number}]{where} {flat[:160]}{'...' if len(flat) > 160 else ''}")
        if trace.error:
            lines.append(f"    error: {trace.error}")
        fx = trace.effects
        if fx is None:
            if not trace.error or not trace.transactional:
                lines.append("    ran outside a transaction (autocommit): locks not measured")
            continue
        if not trace.transactional:
            lines.append(
                "    ran outside a transaction (autocommit): locks sampled while it "
                "waited for older transactions"
            )
        for lock in fx.locks:
            new = "" if lock.preexisting else "  (created in this step)"
            lines.append(f"    lock  {lock.mode:<22} {lock.relation} ({lock.kind}){new}")
        for label, items in (
            ("rewritten", fx.rewritten),
            ("scanned", fx.scanned),
            ("created", fx.created),
            ("dropped", fx.dropped),
        ):
            if items:
                lines.append(f"    {label}: {', '.join(items)}")
        if not (fx.locks or fx.rewritten or fx.scanned or fx.created or fx.dropped):
            lines.append("    no locks on user relations")
    if source is not None:
        lines.extend(_held(result, source))
    lines.append(f"{len(result.statements)} statement(s) traced")
    return "\n".join(lines) + "\n"


def _held(result: TraceResult, source: str) -> list[str]:
    held = result.held_until_commit(source)
    if not held:
        return []
    return [
        "  held until commit when run in one transaction: "
        + ", ".join(f"{lock.mode} on {lock.relation}" for lock in held)
    ]


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
    fmt: FormatOpt = Format.text,
) -> None:
    """Write one verified baseline revision equal to the head schema, with stamping steps."""
    from pgsage.commands.migrations import SquashOptions, squash

    if renderer_of(fmt) not in (Format.text, Format.json):
        raise UsageError(f"squash writes text or json, not {fmt}")
    result = squash(
        SquashOptions(out=out, config=config, directory=directory, dsn=dsn, revision_id=rev_id)
    )
    if fmt == Format.json:
        write_output(_json(result.to_json()), None)
    elif result.path is not None:
        write_output(
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
            + f"\n{result.instructions}\n",
            None,
        )
    else:
        write_output(
            "the baseline failed verification; nothing written\n\n"
            + render(result.report, Format.text),
            None,
        )
    if result.path is None:
        raise typer.Exit(1)
