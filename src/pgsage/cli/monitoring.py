"""CLI adapters: ``pgsage exporter`` and ``pgsage monitoring rules|dashboard|plan``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pgsage.cli.options import write_output
from pgsage.monitoring.defaults import DEFAULT_JOB

# The exporter (prometheus_client, psycopg) and the rules, dashboard and plan (all checks) are
# imported inside the commands that use them (lazy: start-up time of the CLI).

monitoring_app = typer.Typer(
    no_args_is_help=True, help="Prometheus rules, Grafana dashboard and monitoring plan."
)

OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here, not stdout.", show_default=False)
]


class PlanFormat(StrEnum):
    markdown = "markdown"
    csv = "csv"


def exporter(
    dsn: Annotated[
        str | None,
        typer.Option(
            "--dsn",
            help="The database served on /metrics. Default: $DATABASE_URL.",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option("--target", help="NAME=DSN served on /probe?target=NAME (repeatable)."),
    ] = None,
    targets_file: Annotated[
        Path | None,
        typer.Option(
            "--targets-file",
            help='TOML file with a [targets] table of name = "dsn" entries.',
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")
    ] = 9188,
    listen: Annotated[str, typer.Option("--listen", help="Address to listen on.")] = "127.0.0.1",
    budget: Annotated[
        float,
        typer.Option(
            "--budget", min=0.01, max=300.0, help="Time budget of one scrape, in seconds."
        ),
    ] = 5.0,
    top_tables: Annotated[
        int, typer.Option("--top-tables", min=0, max=10_000, help="Tables exported one by one.")
    ] = 50,
    top_statements: Annotated[
        int,
        typer.Option("--top-statements", min=0, max=5_000, help="Statements exported one by one."),
    ] = 50,
    top_sequences: Annotated[
        int,
        typer.Option("--top-sequences", min=0, max=10_000, help="Sequences exported one by one."),
    ] = 20,
    top_vector_indexes: Annotated[
        int,
        typer.Option(
            "--top-vector-indexes", min=0, max=10_000, help="pgvector indexes exported one by one."
        ),
    ] = 20,
    size_interval: Annotated[
        float,
        typer.Option(
            "--size-interval",
            min=0.0,
            help="Seconds between measurements of the database size "
            "(pg_database_size stats every file).",
        ),
    ] = 60.0,
    catalog_interval: Annotated[
        float,
        typer.Option(
            "--catalog-interval",
            min=0.0,
            help="Seconds between refreshes of the list of sequences that can run out.",
        ),
    ] = 300.0,
    lock_timeout: Annotated[
        int,
        typer.Option(
            "--lock-timeout", min=1, help="lock_timeout in ms for the exporter's session."
        ),
    ] = 100,
    include_query_text: Annotated[
        bool,
        typer.Option(
            "--include-query-text",
            help="Export normalised statement texts (pgsage_statement_info)"
            "; off by default, as texts can hold names of customers' data.",
        ),
    ] = False,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Print one scrape of the default target (or the first target) and exit; "
            "exit code 2 when the database could not be read.",
        ),
    ] = False,
) -> None:
    """Serve PostgreSQL metrics for Prometheus: /metrics, /probe, /health, /ready."""
    import logging

    from pgsage.commands.exporter import build_exporter, scrape_once, serve
    from pgsage.commands.targets import resolve_targets
    from pgsage.exporter.collector import ExporterOptions
    from pgsage.settings import load_settings

    targets = resolve_targets(dsn or load_settings(None).dsn, target or [], targets_file)
    options = ExporterOptions(
        budget_s=budget,
        lock_timeout_ms=lock_timeout,
        top_tables=top_tables,
        top_statements=top_statements,
        top_sequences=top_sequences,
        top_vector_indexes=top_vector_indexes,
        include_query_text=include_query_text,
        size_interval_s=size_interval,
        catalog_interval_s=catalog_interval,
    )
    app = build_exporter(targets, options)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if once:
        scrape = scrape_once(app)
        sys.stdout.write(scrape.body.decode())
        if not scrape.ok:
            raise typer.Exit(2)  # the collector has logged the reason, in one line
        return
    server = serve(app, listen, port)
    typer.echo(
        f"pgsage exporter listening on http://{listen}:{server.server_port}/metrics "
        f"(targets: {', '.join(sorted(targets))})",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@monitoring_app.command("rules")
def rules_cmd(
    output: OutputOpt = None,
    job: Annotated[
        str,
        typer.Option(
            "--job",
            help="The exporter's Prometheus job name, or a regex of several "
            "('pgsage|pgsage-probe').",
        ),
    ] = DEFAULT_JOB,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="ALERT.SEVERITY=VALUE, e.g. PostgresLongTransaction.warning=600 (repeatable).",
        ),
    ] = None,
    for_: Annotated[
        list[str] | None,
        typer.Option(
            "--for",
            help="ALERT.SEVERITY=DURATION, e.g. PostgresLongTransaction.warning=5m (repeatable).",
        ),
    ] = None,
) -> None:
    """Write Prometheus alerting and recording rules (YAML)."""
    from pgsage.commands import monitoring

    write_output(monitoring.rules(job, threshold or [], for_ or []), output)


@monitoring_app.command("dashboard")
def dashboard_cmd(output: OutputOpt = None) -> None:
    """Write a Grafana dashboard (JSON) over the exporter's metrics."""
    from pgsage.commands import monitoring

    write_output(monitoring.dashboard(), output)


@monitoring_app.command("plan")
def plan_cmd(
    output: OutputOpt = None,
    fmt: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="Output format.")
    ] = PlanFormat.markdown,
) -> None:
    """Write the monitoring plan: source, metric type, threshold/alert, notes."""
    from pgsage.commands import monitoring

    write_output(monitoring.plan("markdown" if fmt is PlanFormat.markdown else "csv"), output)


def register(app: typer.Typer) -> None:
    app.command("exporter")(exporter)
    app.add_typer(monitoring_app, name="monitoring")
