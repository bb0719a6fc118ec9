"""``pgsage advise``: the Typer adapter over ``pgsage.commands.advise.run_advise`` — it parses,
calls, renders and maps errors; the flow (verify, apply, Alembic) is the command's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from pgsage.advise.defaults import DEFAULT_TOP
from pgsage.cli.console import StderrConsole
from pgsage.cli.options import Format, FormatOpt, OutputOpt, renderer_of
from pgsage.errors import UsageError

# The advisor itself (pglast, psycopg, the what-if costing, Alembic output, verify, sampling) is
# imported when `pgsage advise` runs (lazy: start-up time of the CLI).

_err = StderrConsole()
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?\s*$", re.I)
_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}


def parse_size(text: str) -> int:
    """``500MB``, ``2 GB``, ``1048576`` → bytes."""
    match = _SIZE.match(text)
    if match is None:
        raise UsageError(f"--max-size expects a size like 500MB or 2GB, not {text!r}")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()])


def register(app: typer.Typer) -> None:
    app.command("advise")(advise_cmd)


def advise_cmd(
    dsn: Annotated[
        str | None,
        typer.Option(
            "--dsn",
            help="PostgreSQL DSN. Default: $DATABASE_URL, else the embedded server.",
            show_default=False,
        ),
    ] = None,
    queries: Annotated[
        Path | None,
        typer.Option(
            "--queries",
            help="Workload from a SQL file (statements separated by ;).",
            show_default=False,
        ),
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            help="Workload from a PostgreSQL log (log_min_duration_statement lines; "
            "plain, csvlog or jsonlog).",
            show_default=False,
        ),
    ] = None,
    min_calls: Annotated[
        int,
        typer.Option("--min-calls", help="pg_stat_statements: only statements called this often."),
    ] = 1,
    min_mean_ms: Annotated[
        float,
        typer.Option(
            "--min-mean-ms", help="pg_stat_statements: only statements this slow on average."
        ),
    ] = 0.0,
    top: Annotated[
        int,
        typer.Option("--top", help="pg_stat_statements: the heaviest N statements by total time."),
    ] = DEFAULT_TOP,
    max_size: Annotated[
        str | None,
        typer.Option(
            "--max-size",
            help="Budget for the new indexes' total size (e.g. 500MB).",
            show_default=False,
        ),
    ] = None,
    max_per_table: Annotated[
        int | None,
        typer.Option(
            "--max-indexes-per-table",
            help="At most this many new indexes per table.",
            show_default=False,
        ),
    ] = None,
    max_indexes: Annotated[
        int | None,
        typer.Option(
            "--max-indexes", help="At most this many new indexes in all.", show_default=False
        ),
    ] = None,
    allow_real_indexes: Annotated[
        bool,
        typer.Option(
            "--allow-real-indexes",
            help="Cost with real indexes built in a rolled-back "
            "transaction (blocks writes to the tables meanwhile); default on the embedded server.",
        ),
    ] = False,
    sample_rows: Annotated[
        int,
        typer.Option(
            "--sample-rows",
            min=0,
            max=10_000_000,
            help="Index kinds HypoPG cannot simulate (GIN, GiST, BRIN, HNSW, IVFFlat) are "
            "costed on a sampled copy of this many rows a table, made on --scratch-dsn; nothing "
            "is written to the advised database. 0: list them as not costed.",
        ),
    ] = 10_000,
    scratch_dsn: Annotated[
        str | None,
        typer.Option(
            "--scratch-dsn",
            envvar="PGSAGE_SCRATCH_DSN",
            help="A server where pgsage may create and drop the sampled copy "
            "(pgsage_scratch_*); default: the embedded server.",
            show_default=False,
        ),
    ] = None,
    search_path: Annotated[
        str | None,
        typer.Option(
            "--search-path",
            help="Plan every statement under this search_path (e.g. 'app, public'). Default: "
            "statements from pg_stat_statements under the search_path their role runs with, "
            "--queries/--log statements under the session's.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="A --queries statement that does not parse stops the run (exit 2) instead of "
            "being skipped with the parser's message.",
        ),
    ] = False,
    fmt: FormatOpt = Format.text,
    output: OutputOpt = None,
    alembic: Annotated[
        Path | None,
        typer.Option(
            "--alembic",
            help="Write an Alembic revision with the indexes into this versions directory.",
            show_default=False,
        ),
    ] = None,
    verify_flag: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Measure with EXPLAIN ANALYZE before/after the indexes, in a "
            "rolled-back transaction on a fresh copy of --verify-dsn (dropped afterwards), else "
            "on a schema + sampled-data copy on the embedded server (or on a copy of the "
            "embedded server's database itself); compares the real plans with the hypothetical.",
        ),
    ] = False,
    verify_dsn: Annotated[
        str | None,
        typer.Option(
            "--verify-dsn",
            help="The copy of the database --verify measures on.",
            show_default=False,
        ),
    ] = None,
    apply_flag: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Create the recommended indexes now (CONCURRENTLY, lock_timeout, "
            "retries). Never the default.",
        ),
    ] = False,
    statement_timeout: Annotated[
        int | None,
        typer.Option(
            "--statement-timeout",
            help="statement_timeout in ms [default: 30000]",
            show_default=False,
        ),
    ] = None,
    lock_timeout: Annotated[
        int | None,
        typer.Option(
            "--lock-timeout", help="lock_timeout in ms [default: 1000]", show_default=False
        ),
    ] = None,
) -> None:
    """Recommend indexes for a workload: costed with HypoPG (or real indexes in a rolled-back
    transaction), chosen under a budget, with DDL, sizes and the plans they change."""
    from pgsage.advise.render import render_json, render_text
    from pgsage.advise.search import Budget
    from pgsage.advise.workload import StatementFilter
    from pgsage.cli.options import build_settings, render, write_output
    from pgsage.commands.advise import AdviseOptions, AdviseRun, run_advise

    settings = build_settings(
        dsn=dsn, statement_timeout_ms=statement_timeout, lock_timeout_ms=lock_timeout
    )
    run = AdviseRun(
        options=AdviseOptions(
            queries_file=queries,
            log_file=log,
            filters=StatementFilter(min_calls=min_calls, min_mean_ms=min_mean_ms, top=top),
            budget=Budget(
                max_size=parse_size(max_size) if max_size else None,
                max_per_table=max_per_table,
                max_indexes=max_indexes,
            ),
            allow_real_indexes=allow_real_indexes,
            strict=strict,
            sample_rows=sample_rows,
            scratch_dsn=scratch_dsn,
            search_path=search_path,
        ),
        verify=verify_flag,
        verify_dsn=verify_dsn,
        apply=apply_flag,
        alembic=alembic,
    )
    text_view = renderer_of(fmt) == "text"
    progress = _progress if text_view and output is None else _quiet
    result = run_advise(settings, run, progress)
    if result.revision is not None:
        _say(f"pgsage: wrote {result.revision}")
    elif alembic is not None:
        _say("pgsage: no index recommended, no revision written")
    # text and json: the advisor's detailed views (json also carries the unified findings);
    # every other format renders the one result model through pgsage.reports.
    if text_view:
        text = render_text(result.advice)
    elif fmt == Format.json:
        text = render_json(result.advice)
    else:
        text = render(result.report(), fmt)
    write_output(text, output)


def _say(message: str) -> None:
    _err.print(message, markup=False, highlight=False)


def _progress(message: str) -> None:
    _say(f"advise: {message}")


def _quiet(message: str) -> None:
    del message
