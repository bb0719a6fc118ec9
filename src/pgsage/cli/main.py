"""The Typer adapter: parse, call a command function, render, map errors to exit codes.

Exit codes: 0 clean, 1 findings at or above --fail-on (`server status`: not running), 2 usage,
input, connection or server errors, 3 internal error (a bug), 130 interrupted (SIGINT), 143
terminated (SIGTERM).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from pgsage import __version__
from pgsage.cli.options import (
    ConfigOpt,
    DsnOpt,
    FailOnOpt,
    Format,
    FormatOpt,
    LockTimeoutOpt,
    OutputOpt,
    SnapshotOpt,
    StatementTimeoutOpt,
    build_settings,
    err,
    exit_for,
    fail,
    merge_params,
    render,
    write_file_atomically,
    write_output,
)
from pgsage.errors import PgsageError, UsageError
from pgsage.model import FailOn

# What only a command's body needs is imported there (lazy: start-up time of the CLI): the
# audit machinery (pgsage.commands.audit: checks, snapshot, psycopg, pglast), the settings (pydantic),
# the baseline, rich, and the families' features registered at the bottom.
if TYPE_CHECKING:
    pass

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="pgsage — PostgreSQL performance and operations toolkit.\n\nExit codes: 0 clean, "
    "1 findings at or above --fail-on (server status: not running), 2 usage, input, "
    "connection or server error (one line on stderr), 3 internal error (a bug: please report "
    "it), 130 interrupted, 143 terminated.",
)
server_app = typer.Typer(no_args_is_help=True, help="Manage the embedded default server.")
app.add_typer(server_app, name="server")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"pgsage {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """pgsage — PostgreSQL performance and operations toolkit."""


@app.command()
def audit(
    dsn: DsnOpt = None,
    snapshot: SnapshotOpt = None,
    fmt: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.NEVER,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="Run only these checks or categories (repeatable)."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", help="Skip these checks or categories (repeatable)."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="Override a check threshold: CHECK.NAME=VALUE (repeatable)."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Leave out findings accepted in this baseline file.",
            show_default=False,
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline",
            help="Accept the current findings: write them to this file.",
            show_default=False,
        ),
    ] = None,
    statement_timeout: StatementTimeoutOpt = None,
    lock_timeout: LockTimeoutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Audit a database: run the health checks and report findings with fixes."""
    from pgsage.commands import audit as audit_commands
    from pgsage.commands.baseline import apply_baseline, load_baseline
    from pgsage.commands.baseline import write_baseline as pgsage_write_baseline

    if snapshot is not None and dsn is not None:
        raise UsageError(
            "--snapshot and --dsn exclude each other: an offline audit reads no server"
        )
    settings = build_settings(
        config,
        dsn=dsn,
        statement_timeout_ms=statement_timeout,
        lock_timeout_ms=lock_timeout,
        select=select or None,
        ignore=ignore or None,
    )
    if param:
        settings = settings.model_copy(update={"checks": merge_params(settings.checks, param)})
    accepted = load_baseline(baseline) if baseline else None
    ends_with_the_process()
    report = audit_commands.audit(settings, snapshot)
    if write_baseline is not None:
        count = pgsage_write_baseline(report, write_baseline)
        err.print(f"baseline: {count} findings accepted → {write_baseline}", highlight=False)
    if accepted is not None:
        applied = apply_baseline(report, accepted)
        report = applied.report
        err.print(
            f"baseline: {applied.suppressed} known findings left out"
            + (
                f"; {len(applied.fixed)} baseline entries are fixed and can be removed"
                if applied.fixed
                else ""
            ),
            highlight=False,
        )
    write_output(render(report, fmt), output)
    exit_for(report, fail_on)


@app.command("snapshot")
def snapshot_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the snapshot JSON.")],
    dsn: DsnOpt = None,
    statement_timeout: StatementTimeoutOpt = None,
    lock_timeout: LockTimeoutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Collect a catalog snapshot into a JSON file, for offline audits (--snapshot)."""
    from pgsage.commands import audit as audit_commands

    settings = build_settings(
        config, dsn=dsn, statement_timeout_ms=statement_timeout, lock_timeout_ms=lock_timeout
    )
    ends_with_the_process()
    taken = audit_commands.take_snapshot(settings)
    # Written whole or not at all (a temporary file renamed), parent directories created.
    write_file_atomically(out, _snapshot_text(taken))
    err.print(
        f"snapshot of {taken.server.database}: {len(taken.tables)} tables, "
        f"{len(taken.indexes)} indexes, {len(taken.statements)} statements in "
        f"{taken.duration_ms / 1000:.2f} s → {out}",
        highlight=False,
    )
    for section, message in sorted(taken.errors.items()):
        err.print(f"  section {section} not collected: {message}", highlight=False)


def _snapshot_text(taken: Any) -> str:
    from pydantic import TypeAdapter

    from pgsage.db.snapshot import Snapshot

    # The same bytes as Snapshot.save: pydantic's serializer, dataclass field order, indent 1.
    return (TypeAdapter(Snapshot).dump_json(taken, indent=1) + b"\n").decode("utf-8")


@app.command("checks")
def checks_cmd() -> None:
    """List the available checks with their categories, severities and parameters."""
    from rich.console import Console
    from rich.table import Table

    from pgsage.checks import all_checks

    table = Table("check", "category", "severity", "parameters", "title")
    for check in all_checks():
        params = ", ".join(f"{p.name}={p.default}" for p in check.params)
        table.add_row(check.id, check.category, check.severity.value, params, check.title)
    # At the terminal's width (the ids never cut: they are what --select takes); 200 when
    # the output is not a terminal.
    table.columns[0].no_wrap = True
    console = Console()
    Console(width=console.width if console.is_terminal else 200).print(table)


@app.command()
def demo(
    dsn: DsnOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the audit report.")] = Path(
        "demo-report"
    ),
    scale: Annotated[
        float,
        typer.Option("--scale", min=0.001, max=10.0, help="Row-count multiplier (1.0 ≈ 2M rows)."),
    ] = 1.0,
    force: Annotated[
        bool, typer.Option("--force", help="Allow --dsn to a database not named pgsage_demo*.")
    ] = False,
) -> None:
    """Build the demo database, run its workload, audit it and write the report."""
    from pgsage.commands import demo as demo_commands
    from pgsage.db.connect import validate_dsn
    from pgsage.reports.text import render as render_text

    settings = build_settings(None, dsn=dsn)
    if settings.dsn and not force:
        dbname = validate_dsn(settings.dsn).get("dbname", "")
        if not dbname.startswith(demo_commands.DEMO_DATABASE):
            raise UsageError(
                f"the demo replaces tables in the target database; use a database "
                f"named {demo_commands.DEMO_DATABASE}* or pass --force"
            )
    result = demo_commands.demo(
        settings, out, scale=scale, progress=lambda msg: err.print(f"· {msg}", highlight=False)
    )
    sys.stdout.write(render_text(result.report))
    err.print(f"reports written: {', '.join(str(p) for p in result.files)}", highlight=False)


@server_app.command("start")
def server_start() -> None:
    """Start the embedded server (initialising it on first use)."""
    from pgsage.commands import server as server_commands

    server = server_commands.server_start()
    status = server.status()
    typer.echo(f"running on port {status['port']} ({status['binaries']})")
    typer.echo(f"data: {status['data_directory']}")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the embedded server."""
    from pgsage.commands import server as server_commands

    typer.echo("stopped" if server_commands.server_stop() else "not running")


@server_app.command("status")
def server_status() -> None:
    """Show whether the embedded server runs, where, and from which binaries. Exit 0 running,
    1 not running (the answer, as 1 is "findings" elsewhere), 2 an error."""
    from pgsage.commands import server as server_commands

    status = server_commands.server_status()
    for key, value in status.items():
        typer.echo(f"{key}: {value}")
    if not status["running"]:
        raise typer.Exit(1)  # 3 is an internal error, everywhere


@server_app.command("dsn")
def server_dsn(
    database: Annotated[
        str | None, typer.Option("--database", "-d", help="Database (created if missing).")
    ] = None,
) -> None:
    """Print a DSN for the embedded server (starting it if needed)."""
    from pgsage.commands import server as server_commands

    typer.echo(server_commands.server_dsn(database))


# -- command families in their own packages: each registers itself with one line here ------
# (a module-level `register(app: typer.Typer) -> None` in its cli.py).
# COMMAND FAMILIES START
from pgsage.cli.monitoring import register as _monitoring

_monitoring(app)
from pgsage.cli.migrations import register as _migrations

_migrations(app)
from pgsage.cli.lint import register as _lint

_lint(app)
from pgsage.cli.advise import register as _advise

_advise(app)
from pgsage.cli.plan import register as _plan

_plan(app)
from pgsage.cli.web import register as _web

_web(app)
from pgsage.cli.mcp import register as _mcp

_mcp(app)
from pgsage.cli.agents import register as _agents

_agents(app)
from pgsage.cli.report import register as _report

_report(app)
from pgsage.cli.vector import register as _vector

_vector(app)
from pgsage.cli.backup import register as _backup

_backup(app)
# COMMAND FAMILIES END


class _Process:
    """Set by main() and the commands that end with the process; read only by main()."""

    entry = False  # running as the pgsage command (main), not called in-process
    skip_teardown = False


def ends_with_the_process() -> None:
    """For a command that builds millions of objects and then ends (an audit or a snapshot of
    a big database), when it runs as the pgsage process: no cyclic garbage collection from
    here on (the first collection after the snapshot walked all of it, 0.25 s on 10,000
    tables, to find no garbage), and no interpreter teardown at the exit (freeing the objects
    one by one took 0.5 s; nor waiting for a collection a usage error made useless): main()
    flushes the output and ends the process. In-process callers get the snapshot run's GC
    pause instead (pgsage.db.snapshot.run)."""
    if _Process.entry:
        gc.disable()
        _Process.skip_teardown = True


def _leave_now(code: object) -> NoReturn:
    import logging

    status = code if isinstance(code, int) else (0 if code is None else 1)
    try:
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (| head): nothing more can be said
        pass
    logging.shutdown()
    os._exit(status)


def main() -> None:
    _Process.entry = True
    try:
        _run()
    except SystemExit as exc:
        if _Process.skip_teardown:
            _leave_now(exc.code)
        raise


def _run() -> None:
    # Parser errors, SIGTERM, and errors from the system or the driver become one line on
    # stderr (pgsage.cli.guard); exit 3 is kept for bugs.
    from pgsage.cli import guard

    try:
        guard.invoke(app)
    except PgsageError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail(*guard.interruption())
    except Exception as exc:
        if os.environ.get("PGSAGE_DEBUG"):
            raise
        known = guard.known_failure(exc)
        if known is not None:
            fail(*known)
        fail(
            f"internal error: {type(exc).__name__}: {exc} "
            "(please report it; set PGSAGE_DEBUG=1 for the traceback)",
            3,
        )


if __name__ == "__main__":
    main()
