"""CLI adapters: ``pgsage exporter`` and ``pgsage monitoring rules|dashboard|plan``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pgsage.errors import UsageError
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


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None


def parse_targets(values: list[str]) -> dict[str, str]:
    from pgsage.db.connect import redact, validate_dsn

    targets: dict[str, str] = {}
    for value in values:
        name, sep, dsn = value.partition("=")
        name = name.strip()
        if not sep or not name or not dsn.strip():
            raise UsageError(f"--target expects NAME=DSN, not {redact(value)!r}")
        if name in targets:
            raise UsageError(f"--target {name} is given twice")
        validate_dsn(dsn.strip())
        targets[name] = dsn.strip()
    return targets


def load_targets_file(path: Path) -> list[str]:
    """``NAME=DSN`` entries from a TOML file's ``[targets]`` table (``name = "dsn"``), which
    keeps passwords out of the process list."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    targets = data.get("targets")
    if not isinstance(targets, dict) or not all(isinstance(v, str) for v in targets.values()):
        raise UsageError(f'{path} needs a [targets] table of name = "dsn" entries')
    return [f"{name}={dsn}" for name, dsn in targets.items()]


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

    from pgsage.db.connect import validate_dsn
    from pgsage.exporter.collector import ExporterOptions
    from pgsage.exporter.server import DEFAULT_TARGET, Exporter, make_http_server
    from pgsage.settings import load_settings

    targets = parse_targets(
        [*(load_targets_file(targets_file) if targets_file else []), *(target or [])]
    )
    default = dsn or load_settings(None).dsn
    if default:
        if DEFAULT_TARGET in targets:
            raise UsageError(f"--target {DEFAULT_TARGET} clashes with --dsn")
        validate_dsn(default)
        targets[DEFAULT_TARGET] = default
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
    app = Exporter(targets, options)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if once:
        name = DEFAULT_TARGET if DEFAULT_TARGET in targets else sorted(targets)[0]
        sys.stdout.write(app.metrics(name).decode())
        if app.collectors[name].last_error is not None:
            raise typer.Exit(2)  # the collector has logged the reason, in one line
        return
    server = make_http_server(app, listen, port)
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
    from pgsage.monitoring.definitions import ALERTS
    from pgsage.monitoring.rules import (
        apply_overrides,
        parse_assignments,
        parse_thresholds,
        render_rules,
    )

    alerts = apply_overrides(
        ALERTS, parse_thresholds(threshold or []), parse_assignments(for_ or [], "--for")
    )
    _write(render_rules(alerts, job), output)


@monitoring_app.command("dashboard")
def dashboard_cmd(output: OutputOpt = None) -> None:
    """Write a Grafana dashboard (JSON) over the exporter's metrics."""
    from pgsage.monitoring.dashboard import render_dashboard

    _write(render_dashboard(), output)


@monitoring_app.command("plan")
def plan_cmd(
    output: OutputOpt = None,
    fmt: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="Output format.")
    ] = PlanFormat.markdown,
) -> None:
    """Write the monitoring plan: source, metric type, threshold/alert, notes."""
    from pgsage.monitoring.plan import render_csv, render_markdown

    _write(render_markdown() if fmt is PlanFormat.markdown else render_csv(), output)


def register(app: typer.Typer) -> None:
    app.command("exporter")(exporter)
    app.add_typer(monitoring_app, name="monitoring")
