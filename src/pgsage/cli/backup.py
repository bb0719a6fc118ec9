"""``pgsage backup``: the Typer adapter over pgsage.commands.backup."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pgsage.cli.options import DsnOpt, Format, FormatOpt, err, render, write_output

backup_app = typer.Typer(
    help="Logical backups with a manifest, and restores that prove them.", no_args_is_help=True
)

JobsOpt = Annotated[int, typer.Option("-j", "--jobs", help="Parallel jobs (pg_dump/pg_restore).")]
BinOpt = Annotated[
    Path | None,
    typer.Option(
        "--pg-bin",
        help="Directory of the pg_dump/pg_restore to use [default: the newest found]",
        show_default=False,
    ),
]


@backup_app.command("run")
def run_cmd(
    directory: Annotated[Path, typer.Option("--dir", help="Where backups are kept.")],
    dsn: DsnOpt = None,
    dump_format: Annotated[
        str, typer.Option("--format", help="pg_dump format: custom or directory.")
    ] = "custom",
    jobs: JobsOpt = 1,
    keep_daily: Annotated[
        int | None, typer.Option("--keep-daily", help="Keep the newest backup of N days.")
    ] = None,
    keep_weekly: Annotated[
        int | None, typer.Option("--keep-weekly", help="Keep the newest backup of M weeks.")
    ] = None,
    pg_bin: BinOpt = None,
) -> None:
    """Dump a database with a manifest (checksums, row counts, schema fingerprint)."""
    from pgsage.cli.options import build_settings
    from pgsage.commands.audit import resolve_dsn
    from pgsage.commands.backup import BackupOptions, run
    from pgsage.units import human_bytes

    target = resolve_dsn(build_settings(dsn=dsn))
    options = BackupOptions(target, directory, dump_format, jobs, pg_bin)
    result = run(options, keep_daily, keep_weekly)
    m = result.backup.manifest
    seconds = (m.finished_at - m.started_at).total_seconds()
    err.print(
        f"backup: {result.backup.dump} ({human_bytes(m.size_bytes)}, {len(m.facts.tables)} "
        f"tables, {seconds:.1f} s, {m.pg_dump_version})",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for path in result.removed:
        err.print(
            f"backup: removed {path} (retention)", highlight=False, markup=False, soft_wrap=True
        )
    typer.echo(str(result.backup.dump))


@backup_app.command("verify")
def verify_cmd(
    dump: Annotated[
        Path | None, typer.Argument(help="The dump (or its manifest).", show_default=False)
    ] = None,
    latest: Annotated[
        Path | None,
        typer.Option("--latest", help="Verify the newest backup in DIR.", show_default=False),
    ] = None,
    scratch_dsn: Annotated[
        str | None,
        typer.Option(
            "--scratch-dsn",
            help="Server for the throwaway database [default: the embedded server]",
            show_default=False,
        ),
    ] = None,
    pgbackrest: Annotated[
        str | None,
        typer.Option("--pgbackrest", help="Restore pgBackRest's latest backup of STANZA instead."),
    ] = None,
    jobs: JobsOpt = 1,
    pg_bin: BinOpt = None,
    fmt: FormatOpt = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", show_default=False)] = None,
) -> None:
    """Restore a backup into a throwaway database and compare it with its manifest."""
    from pgsage.cli.options import render as render_report

    if pgbackrest is not None:
        from pgsage.commands.pgbackrest import verify_stanza

        report = verify_stanza(pgbackrest, pg_bin)
        write_output(render_report(report, fmt), output)
        from pgsage.model import Severity

        failed = [
            f.message for r in report.results for f in r.findings if f.severity is Severity.ERROR
        ] + [
            f"{r.check}: {r.reason}"
            for r in report.results
            if r.status.value in ("error", "timeout")
        ]
        if failed:
            err.print(
                f"pgsage: verification failed: {failed[0]}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(1)
        return
    from pgsage.commands.backup import VerifyOptions, verify

    result = verify(VerifyOptions(dump, latest, scratch_dsn, jobs, pg_bin))
    write_output(render(result.report(), fmt), output)
    v = result.verification
    err.print(
        f"backup verify: {result.backup.dump.name}: {v.verdict}, restored in "
        f"{v.restore_seconds:.1f} s into {v.target}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if not result.ok:
        for line in [*result.verification.mismatches, *result.verification.integrity][:1]:
            err.print(
                f"pgsage: verification failed: {line}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        raise typer.Exit(1)


@backup_app.command("pgbackrest")
def pgbackrest_cmd(
    stanza: Annotated[
        str | None, typer.Argument(help="One stanza [default: all]", show_default=False)
    ] = None,
    fmt: FormatOpt = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", show_default=False)] = None,
) -> None:
    """pgBackRest's stanzas: backup ages, WAL archive continuity, errors."""
    from pgsage.commands.pgbackrest import info_report
    from pgsage.model import Severity

    report = info_report(stanza)
    write_output(render(report, fmt), output)
    if any(f.severity is Severity.ERROR for r in report.results for f in r.findings):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
