"""``pgsage report`` and ``pgsage checklist``: Typer adapters over pgsage.commands.report and
pgsage.commands.checklist (parse → call → render → write atomically → exit code)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pgsage.cli.options import ConfigOpt, DsnOpt, LockTimeoutOpt, StatementTimeoutOpt

AlembicOpt = Annotated[
    Path | None,
    typer.Option(
        "--alembic",
        help="An Alembic project: the directory holding alembic.ini, or alembic.ini itself.",
        show_default=False,
    ),
]
ScratchOpt = Annotated[
    str | None,
    typer.Option(
        "--scratch-dsn",
        help="Server for the migrations' throwaway databases [default: the embedded server].",
        show_default=False,
    ),
]


class ArtifactFormat(StrEnum):
    markdown = "markdown"
    html = "html"


class ChecklistFormat(StrEnum):
    text = "text"
    json = "json"


def _say(message: str) -> None:
    from pgsage.cli.options import err

    err.print(f"report: {message}", highlight=False, markup=False)


def report_command(
    out: Annotated[Path, typer.Option("--out", help="Write db/*.md and scripts/ here.")],
    dsn: DsnOpt = None,
    alembic: AlembicOpt = None,
    nplusone: Annotated[
        Path | None,
        typer.Option("--nplusone", help="An instrumentation capture (JSON).", show_default=False),
    ] = None,
    queries: Annotated[
        Path | None,
        typer.Option(
            "--queries",
            help="A workload file for the advisor [default: pg_stat_statements].",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ArtifactFormat,
        typer.Option("--format", "-f", help="markdown: db/*.md; html: one report.html page."),
    ] = ArtifactFormat.markdown,
    alembic_out: Annotated[
        Path | None,
        typer.Option(
            "--alembic-out",
            help="Also write the script as Alembic revisions (and perf_indexes.py) here.",
            show_default=False,
        ),
    ] = None,
    scratch_dsn: ScratchOpt = None,
    advise: Annotated[
        bool, typer.Option("--advise/--no-advise", help="Run the index advisor.")
    ] = True,
    squash: Annotated[
        bool, typer.Option("--squash/--no-squash", help="Dry-run a squash of the migrations.")
    ] = True,
    config: ConfigOpt = None,
    statement_timeout: StatementTimeoutOpt = None,
    lock_timeout: LockTimeoutOpt = None,
) -> None:
    """Write seed 002's artifacts (docs/db/*.md, scripts/db_optimization.sql) from one run."""
    from pgsage.cli.options import build_settings, fail, write_file_atomically
    from pgsage.commands.report import ReportRequest, run_report
    from pgsage.errors import PgsageError
    from pgsage.reports.artifacts import render_alembic, render_artifacts

    try:
        settings = build_settings(
            config,
            dsn=dsn,
            statement_timeout_ms=statement_timeout,
            lock_timeout_ms=lock_timeout,
        )
        request = ReportRequest(
            alembic=alembic,
            nplusone=nplusone,
            queries=queries,
            scratch_dsn=scratch_dsn,
            advise=advise,
            squash=squash,
        )
        inputs = run_report(settings, request, _say)
        files = render_artifacts(inputs, fmt.value)
        revisions = render_alembic(inputs.script, inputs.alembic_heads) if alembic_out else []
        for name, text in files:
            write_file_atomically(out / name, text)
        for name, text in revisions:
            assert alembic_out is not None
            write_file_atomically(alembic_out / name, text)
    except PgsageError as exc:
        fail(str(exc), exc.exit_code)
    written = [name for name, _ in files] + [f"{alembic_out}/{n}" for n, _ in revisions]
    _say(f"wrote {len(written)} file(s) in {out}: {', '.join(written)}")
    for what, why in sorted(inputs.missing.items()):
        _say(f"not checked: {what}: {why}")


def checklist_command(
    dsn: DsnOpt = None,
    alembic: AlembicOpt = None,
    backup_dir: Annotated[
        Path | None,
        typer.Option(
            "--backup-dir", help="Where the backups are (pg_dump files).", show_default=False
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="The Prometheus rules file (pgsage monitoring rules) that must alert on long transactions.",
            show_default=False,
        ),
    ] = None,
    extension: Annotated[
        list[str] | None,
        typer.Option("--extension", help="An extension that must be installed (repeatable)."),
    ] = None,
    max_backup_age: Annotated[
        float, typer.Option("--max-backup-age", help="Hours after which a backup is too old.")
    ] = 24.0,
    scratch_dsn: ScratchOpt = None,
    fmt: Annotated[ChecklistFormat, typer.Option("--format", "-f")] = ChecklistFormat.text,
    config: ConfigOpt = None,
) -> None:
    """Seed 003's production checklist: each line pass / fail / skipped; exit 1 on a failure."""
    from pgsage.cli.options import build_settings, fail
    from pgsage.commands.checklist import ChecklistRequest, checklist
    from pgsage.errors import PgsageError
    from pgsage.reports.artifacts.checklist import passed, render_json, render_text

    try:
        settings = build_settings(config, dsn=dsn)
        request = ChecklistRequest(
            alembic=alembic,
            backup_dir=backup_dir,
            rules=rules,
            scratch_dsn=scratch_dsn,
            extensions=tuple(extension or ("pg_stat_statements",)),
            backup_max_age_hours=max_backup_age,
        )
        report = checklist(settings, request)
    except PgsageError as exc:
        fail(str(exc), exc.exit_code)
    sys.stdout.write(render_json(report) if fmt is ChecklistFormat.json else render_text(report))
    if not passed(report):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
    app.command("checklist")(checklist_command)
