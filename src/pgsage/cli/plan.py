"""``pgsage plan``: the Typer adapter over pgsage.commands.plan."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class PlanFormat(StrEnum):
    markdown = "markdown"
    csv = "csv"


def plan_command(
    models: Annotated[
        str,
        typer.Option(
            "--models",
            help="The SQLAlchemy models: module:attribute (MetaData or a declarative base).",
        ),
    ],
    path: Annotated[
        list[Path] | None,
        typer.Option("--path", help="Where the models' package is importable from [default: .]"),
    ] = None,
    source: Annotated[
        list[Path] | None,
        typer.Option(
            "--source", help="Python files or folders whose SQL strings are the workload."
        ),
    ] = None,
    queries: Annotated[
        list[Path] | None, typer.Option("--queries", help="A file of SQL statements (repeatable).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write migration_plan.md/.csv, monitoring_plan.md/.csv and an Alembic revision here.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="Format on stdout (without --out).")
    ] = PlanFormat.markdown,
    dsn: Annotated[
        str | None,
        typer.Option(
            "--dsn",
            help="Check the plan against this database: its pg_stat_statements join the "
            "workload, what exists already leaves the plan, table sizes are shown.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Plan indexes, constraints, partitioning and monitoring from code, before production data."""
    from pgsage.cli.options import build_settings, err, write_file_atomically
    from pgsage.commands.plan import PlanOptions, plan, plan_files
    from pgsage.plan.render import render_csv, render_markdown

    options = PlanOptions(
        models=models,
        import_paths=tuple(path or [Path()]),
        sources=tuple(source or ()),
        queries=tuple(queries or ()),
        settings=build_settings(None, dsn=dsn) if dsn is not None else None,
    )
    migration = plan(options)
    if out is None:
        sys.stdout.write(
            render_markdown(migration) if fmt is PlanFormat.markdown else render_csv(migration)
        )
        return
    files = plan_files(migration)
    for name, text in files.files:
        write_file_atomically(out / name, text)
    err.print(
        f"plan: {len(migration.lines)} line(s) from {migration.statements} statement(s) → "
        f"{', '.join(name for name, _ in files.files)} in {out}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
