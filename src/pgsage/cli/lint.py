"""`pgsage lint`: the Typer adapter over pgsage.commands.lint."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pgsage.cli.options import (
    FailOnOpt,
    Format,
    FormatOpt,
    OutputOpt,
    err,
    exit_for,
    render,
    renderer_of,
    write_output,
)
from pgsage.model import FailOn

# The linter (pglast, the rules) and the renderers are imported when `pgsage lint` runs (lazy:
# start-up time of the CLI).


def _list_rules() -> str:
    from pgsage.lint.rule import all_rules

    rows = [f"{'rule':46} {'group':14} {'default':8} aliases"]
    for rule in all_rules():
        aliases = ", ".join(a for a in rule.aliases if a != rule.id) or "-"
        rows.append(
            f"{rule.id:46} {rule.group.value:14} "
            f"{'on' if rule.default_on else 'opt-in':8} {aliases}"
        )
    return "\n".join(rows) + "\n"


def lint_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help=".sql files, Alembic revision files, or folders of them.", show_default=False
        ),
    ] = None,
    fmt: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.INFO,
    pg_version: Annotated[
        int | None,
        typer.Option(
            "--pg-version",
            min=9,
            max=30,
            help="Target PostgreSQL major version [default: the server's with --dsn, else 18]",
            show_default=False,
        ),
    ] = None,
    dsn: Annotated[
        str | None,
        typer.Option(
            "--dsn",
            help="Read-only look-up of table sizes and column types: grades lock "
            "warnings by size and skips empty tables.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Lint only Alembic revisions newer than this revision id.",
            show_default=False,
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            help="Only these rules or groups (ids, squawk aliases, groups, ALL); repeatable.",
        ),
    ] = None,
    extend_select: Annotated[
        list[str] | None,
        typer.Option("--extend-select", help="Add rules or groups to the default set; repeatable."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip these rules or groups; repeatable.")
    ] = None,
    assume_in_transaction: Annotated[
        bool,
        typer.Option(
            "--assume-in-transaction",
            help="SQL files run inside a transaction the migration tool opens.",
        ),
    ] = False,
    downgrade: Annotated[
        bool,
        typer.Option(
            "--downgrade",
            help="Also lint each Alembic revision's downgrade(), as its own transaction (what a "
            "rollback runs in production).",
        ),
    ] = False,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress of long files on stderr [default: on a terminal, for files of 4 MB "
            "or more; never in a pipe or CI log]",
            show_default=False,
        ),
    ] = None,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="List the rules and exit.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="pyproject.toml with a [tool.pgsage.lint] table [default: ./pyproject.toml]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Lint migrations (.sql files and Alembic revisions) for locking, rewrites, breaking
    changes and transaction mistakes. Exit 1 on violations (at or above --fail-on), 2 on
    errors."""
    if list_rules:
        sys.stdout.write(_list_rules())
        return
    from pgsage.cli.options import build_settings
    from pgsage.cli.progress import LintProgress
    from pgsage.commands.lint import LintRequest, lint

    project = build_settings(config).lint
    report = lint(
        LintRequest(
            paths=paths or [],
            pg_version=pg_version or project.pg_version,
            assume_in_transaction=assume_in_transaction or project.assume_in_transaction,
            select=select or project.select,
            ignore=[*project.ignore, *(ignore or ())],
            extend_select=[*project.extend_select, *(extend_select or ())],
            since=since,
            dsn=dsn,
            downgrade=downgrade or project.downgrade,
            progress=LintProgress(progress),
        )
    )
    write_output(render(report, fmt), output)
    if renderer_of(fmt) != "text":  # the text report lists them; the others go to a machine
        for result in report.not_run():
            err.print(
                f"pgsage: error: {result.reason or result.check}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    exit_for(report, fail_on)


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
