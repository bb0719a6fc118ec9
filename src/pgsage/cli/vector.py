"""``pgsage vector tune``: the Typer adapter over pgsage.commands.vector."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pgsage.cli.options import ConfigOpt, DsnOpt, OutputOpt

vector_app = typer.Typer(no_args_is_help=True, help="pgvector: measured recall and tuning.")


class TuneFormat(StrEnum):
    text = "text"
    json = "json"


def tune_command(
    dsn: DsnOpt = None,
    table: Annotated[
        str | None,
        typer.Option("--table", help="Only indexes on this table (name or schema.name)."),
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", help="Only indexes on this column (with --table).")
    ] = None,
    index: Annotated[
        str | None, typer.Option("--index", help="Only this index (name or schema.name).")
    ] = None,
    queries: Annotated[
        Path | None,
        typer.Option(
            "--queries",
            help="Real query embeddings: .npy (2-D float array) or .json (list of lists).",
            show_default=False,
        ),
    ] = None,
    sample: Annotated[
        int,
        typer.Option(
            "--sample",
            min=1,
            max=100_000,
            help="Queries: sampled rows, or the first N of --queries.",
        ),
    ] = 100,
    k: Annotated[int, typer.Option("--k", min=1, max=1000, help="Neighbours per query.")] = 10,
    target: Annotated[
        float, typer.Option("--target", min=0.01, max=1.0, help="Recall@k to reach.")
    ] = 0.95,
    condition: Annotated[
        str | None,
        typer.Option(
            "--filter",
            help='A WHERE condition (tenant, category) measured separately, e.g. "tenant_id = 42".',
            show_default=False,
        ),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator",
            help="The distance the application orders by (<->, <=>, <#>, ...), when it is not "
            "the index's: measures whether the index's distance returns the same neighbours.",
            show_default=False,
        ),
    ] = None,
    time_budget: Annotated[
        float,
        typer.Option("--time-budget", min=1.0, max=3600.0, help="Seconds for the whole tune."),
    ] = 60.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the row sample.")] = 42,
    fmt: Annotated[TuneFormat, typer.Option("--format", "-f", help="Output format.")] = (
        TuneFormat.text
    ),
    output: OutputOpt = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart", help="Write an SVG chart of recall by setting.", show_default=False
        ),
    ] = None,
    record_file: Annotated[
        Path | None,
        typer.Option(
            "--record",
            help="Merge the measured recall into this JSON file (read by the vector audit "
            "checks' measured_recall_file parameter).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Measure recall@k and latency of pgvector indexes per ef_search / probes; recommend."""
    from pgsage.cli.options import build_settings, write_file_atomically, write_output
    from pgsage.commands import vector as commands
    from pgsage.vector.render import render_json, render_svg, render_text

    settings = build_settings(config, dsn=dsn)
    options = commands.TuneOptions(
        table=table,
        column=column,
        index=index,
        queries_file=queries,
        sample=sample,
        k=k,
        target=target,
        condition=condition,
        operator=operator,
        time_budget_s=time_budget,
        seed=seed,
    )
    result = commands.tune(settings, options)
    if chart is not None:
        write_file_atomically(chart, render_svg(result))
    if record_file is not None:
        write_file_atomically(record_file, commands.record_text(result, record_file))
    write_output(render_json(result) if fmt is TuneFormat.json else render_text(result), output)


def register(app: typer.Typer) -> None:
    vector_app.command("tune")(tune_command)
    app.add_typer(vector_app, name="vector")
