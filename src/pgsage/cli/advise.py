"""``pgsage advise``: the Typer adapter over ``pgsage.advise.command.advise``."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pgsage.advise.defaults import DEFAULT_TOP
from pgsage.cli.console import StderrConsole
from pgsage.errors import UsageError

# The advisor itself (pglast, psycopg, the what-if costing, Alembic output, verify, sampling) is
# imported when `pgsage advise` runs (lazy: start-up time of the CLI).
if TYPE_CHECKING:
    from pgsage.advise.model import Measured, Recommendation, RelName, WorkloadQuery

_err = StderrConsole()
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?\s*$", re.I)
_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}


class AdviseFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


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
    fmt: Annotated[
        AdviseFormat, typer.Option("--format", "-f", help="Output format.")
    ] = AdviseFormat.text,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report here.", show_default=False),
    ] = None,
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
            "rolled-back transaction on --verify-dsn, else on a schema + sampled-data copy on the "
            "embedded server (or on the embedded server's database itself).",
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
    from pgsage.advise.alembic import check_versions, write_revision
    from pgsage.advise.apply import apply
    from pgsage.advise.command import AdviseOptions, advise
    from pgsage.advise.render import render_json, render_markdown, render_text
    from pgsage.advise.search import Budget
    from pgsage.advise.verify import verify
    from pgsage.advise.workload import StatementFilter
    from pgsage.commands.audit import resolve_dsn, session_options
    from pgsage.db.connect import validate_dsn
    from pgsage.settings import load_settings

    settings = load_settings(
        None, dsn=dsn, statement_timeout_ms=statement_timeout, lock_timeout_ms=lock_timeout
    )
    if settings.dsn:
        validate_dsn(settings.dsn)
    if verify_dsn:
        validate_dsn(verify_dsn)
    if alembic is not None:
        check_versions(alembic)
    embedded = not settings.dsn
    target = resolve_dsn(settings)
    options = AdviseOptions(
        queries_file=queries,
        log_file=log,
        filters=StatementFilter(min_calls=min_calls, min_mean_ms=min_mean_ms, top=top),
        budget=Budget(
            max_size=parse_size(max_size) if max_size else None,
            max_per_table=max_per_table,
            max_indexes=max_indexes,
        ),
        allow_real_indexes=allow_real_indexes or embedded,
    )
    progress = _progress if fmt == AdviseFormat.text and output is None else _quiet
    advice = advise(target, options, session_options(settings), progress)
    if verify_flag:
        planned = [q.query for q in advice.queries if q.skipped is None]
        if verify_dsn or embedded:
            measured = verify(verify_dsn or target, advice.recommendations, planned, progress)
        else:
            measured = _verify_on_sampled_copy(
                target, advice.tables, advice.recommendations, planned, progress
            )
        advice = replace(advice, verified=measured)
    if apply_flag and advice.recommendations:
        advice = replace(advice, applied=apply(target, advice.recommendations, progress=progress))
    if alembic is not None and advice.recommendations:
        path = write_revision(advice, alembic)
        _err.print(f"pgsage: wrote {path}", markup=False, highlight=False)
    elif alembic is not None:
        _err.print(
            "pgsage: no index recommended, no revision written", markup=False, highlight=False
        )
    text = {
        AdviseFormat.text: render_text,
        AdviseFormat.json: render_json,
        AdviseFormat.markdown: render_markdown,
    }[fmt](advice)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from None


def _verify_on_sampled_copy(
    source: str,
    tables: tuple[RelName, ...],
    recommendations: tuple[Recommendation, ...],
    queries: list[WorkloadQuery],
    progress: Callable[[str], None],
) -> tuple[Measured, ...]:
    """--verify without --verify-dsn on a remote database: a schema + sampled-data copy on the
    embedded server, measured there and dropped."""
    from pgsage.advise.sample import drop_copy, make_sampled_copy
    from pgsage.advise.verify import verify
    from pgsage.db.embedded import EmbeddedServer

    server = EmbeddedServer()
    server.start()
    name = f"pgsage_verify_{os.getpid()}"
    admin = server.dsn("postgres")
    progress(f"making a sampled copy on the embedded server ({name})")
    copy = make_sampled_copy(
        source,
        admin,
        server.dsn,
        server.binaries.bindir / "pg_dump",
        name,
        list(tables),
        progress=progress,
    )
    try:
        return verify(copy.dsn, recommendations, queries, progress)
    finally:
        drop_copy(admin, name)


def _progress(message: str) -> None:
    _err.print(f"advise: {message}", markup=False, highlight=False)


def _quiet(message: str) -> None:
    del message
