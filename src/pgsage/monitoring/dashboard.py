"""A Grafana dashboard over the exporter's metrics, generated rather than hand-drawn.

Rows: overview, connections, queries, tables, vacuum, replication, pgvector, exporter. Every
rate uses ``$__rate_interval``; every selector is scoped to the ``$job`` / ``$instance``
variables. Panel ids and positions are assigned in order, so the JSON is deterministic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SEL = 'job="$job", instance=~"$instance"'
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


@dataclass(frozen=True)
class Panel:
    title: str
    targets: tuple[tuple[str, str], ...]  # (expr with {SEL}, legend)
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 8
    description: str = ""


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...] = field(default_factory=tuple)


def rate(metric: str, extra: str = "") -> str:
    labels = f"{{SEL, {extra}}}" if extra else "{SEL}"
    return f"rate({metric}{labels}[$__rate_interval])"


ROWS = (
    Row(
        "Overview",
        (
            Panel("PostgreSQL up", (("min(pgsage_up{SEL})", "up"),), kind="stat", width=4),
            Panel(
                "Connections used",
                (("max(pgsage_connections_used_ratio{SEL})", "used"),),
                unit="percentunit",
                kind="stat",
                width=4,
            ),
            Panel(
                "Oldest transaction",
                (("max(pgsage_oldest_transaction_seconds{SEL})", "age"),),
                unit="s",
                kind="stat",
                width=4,
            ),
            Panel(
                "Transactions / s",
                (
                    (
                        "sum("
                        + rate("pgsage_database_xact_commit_total")
                        + " + "
                        + rate("pgsage_database_xact_rollback_total")
                        + ")",
                        "tps",
                    ),
                ),
                unit="ops",
                kind="stat",
                width=4,
            ),
            Panel(
                "Cache hit ratio (5m)",
                (("min(pgsage:database_cache_hit:ratio_rate5m{SEL})", "hit"),),
                unit="percentunit",
                kind="stat",
                width=4,
            ),
            Panel(
                "Database size",
                (("sum(pgsage_database_size_bytes{SEL})", "size"),),
                unit="bytes",
                kind="stat",
                width=4,
            ),
        ),
    ),
    Row(
        "Connections",
        (
            Panel(
                "Sessions by state",
                (("sum by (state) (pgsage_connections{SEL})", "{{state}}"),),
                width=12,
            ),
            Panel(
                "Share of max_connections",
                (("pgsage_connections_used_ratio{SEL}", "used"),),
                unit="percentunit",
                width=12,
            ),
            Panel(
                "Oldest transaction, query, idle transaction",
                (
                    ("pgsage_oldest_transaction_seconds{SEL}", "transaction"),
                    ("pgsage_oldest_query_seconds{SEL}", "query"),
                    ("pgsage_oldest_idle_in_transaction_seconds{SEL}", "idle in transaction"),
                ),
                unit="s",
                width=12,
            ),
            Panel(
                "Lock waits and idle-in-transaction sessions",
                (
                    ("pgsage_lock_waits{SEL}", "waiting for a lock"),
                    ("pgsage_idle_in_transaction_connections{SEL}", "idle in transaction"),
                ),
                width=12,
            ),
        ),
    ),
    Row(
        "Queries",
        (
            Panel(
                "Transactions / s by database",
                (
                    (
                        "sum by (database) (" + rate("pgsage_database_xact_commit_total") + ")",
                        "{{database}} commits",
                    ),
                    (
                        "sum by (database) (" + rate("pgsage_database_xact_rollback_total") + ")",
                        "{{database}} rollbacks",
                    ),
                ),
                unit="ops",
            ),
            Panel(
                "Statements / s and mean time",
                (
                    ("sum(" + rate("pgsage_statements_calls_total") + ")", "calls / s"),
                    (
                        "sum("
                        + rate("pgsage_statements_exec_seconds_total")
                        + ") / sum("
                        + rate("pgsage_statements_calls_total")
                        + ")",
                        "mean time (s)",
                    ),
                ),
            ),
            Panel(
                "Application p95 query time",
                (
                    (
                        "histogram_quantile(0.95, sum by (le) (rate(db_query_duration_seconds_bucket"
                        "[$__rate_interval])))",
                        "p95",
                    ),
                ),
                unit="s",
                description="From pgsage instrumentation in the application.",
            ),
            Panel(
                "Top statements by time (share of a second)",
                (("topk(10, " + rate("pgsage_statement_exec_seconds_total") + ")", "{{queryid}}"),),
                unit="s",
                width=12,
            ),
            Panel(
                "Top statements by calls / s",
                (("topk(10, " + rate("pgsage_statement_calls_total") + ")", "{{queryid}}"),),
                unit="ops",
                width=12,
            ),
            Panel(
                "Temporary bytes and deadlocks",
                (
                    (
                        "sum by (database) (" + rate("pgsage_database_temp_bytes_total") + ")",
                        "{{database}} temp bytes / s",
                    ),
                    (
                        "sum by (database) (increase(pgsage_database_deadlocks_total{SEL}"
                        "[$__rate_interval]))",
                        "{{database}} deadlocks",
                    ),
                ),
                width=12,
            ),
            Panel(
                "Cache hit ratio",
                (("pgsage:database_cache_hit:ratio_rate5m{SEL}", "{{database}}"),),
                unit="percentunit",
                width=12,
            ),
        ),
    ),
    Row(
        "Tables",
        (
            Panel(
                "Largest tables",
                (("topk(10, pgsage_table_size_bytes{SEL})", "{{schema}}.{{table}}"),),
                unit="bytes",
                width=12,
            ),
            Panel(
                "Sequential scans / s",
                (
                    (
                        "topk(10, " + rate("pgsage_table_seq_scans_total") + ")",
                        "{{schema}}.{{table}}",
                    ),
                ),
                unit="ops",
                width=12,
            ),
            Panel(
                "Index scans / s",
                (
                    (
                        "topk(10, " + rate("pgsage_table_index_scans_total") + ")",
                        "{{schema}}.{{table}}",
                    ),
                ),
                unit="ops",
                width=12,
            ),
            Panel(
                "Rows written / s",
                (
                    (
                        "topk(10, " + rate("pgsage_table_tuples_written_total") + ")",
                        "{{schema}}.{{table}}",
                    ),
                ),
                unit="ops",
                width=12,
            ),
        ),
    ),
    Row(
        "Vacuum",
        (
            Panel(
                "Dead rows (share)",
                (("topk(10, pgsage_table_dead_tuple_ratio{SEL})", "{{schema}}.{{table}}"),),
                unit="percentunit",
                width=12,
            ),
            Panel(
                "Time since last vacuum",
                (
                    (
                        "topk(10, time() - pgsage_table_last_vacuum_timestamp_seconds{SEL})",
                        "{{schema}}.{{table}}",
                    ),
                ),
                unit="s",
                width=12,
            ),
            Panel(
                "Transaction id age",
                (
                    ("pgsage_database_xid_age{SEL}", "{{database}} xid"),
                    ("pgsage_database_mxid_age{SEL}", "{{database}} multixact"),
                    ("max(pgsage_autovacuum_freeze_max_age{SEL})", "autovacuum_freeze_max_age"),
                ),
                width=12,
            ),
            Panel(
                "Sequences: share of range used",
                (("topk(10, pgsage_sequence_used_ratio{SEL})", "{{schema}}.{{sequence}}"),),
                unit="percentunit",
                width=12,
            ),
        ),
    ),
    Row(
        "Replication",
        (
            Panel(
                "Replay lag",
                (
                    ('pgsage_replication_lag_seconds{SEL, stage="replay"}', "{{application_name}}"),
                    ("pgsage_standby_replay_delay_seconds{SEL}", "this standby"),
                ),
                unit="s",
            ),
            Panel(
                "Replication lag (bytes)",
                (("pgsage_replication_lag_bytes{SEL}", "{{application_name}}"),),
                unit="bytes",
            ),
            Panel(
                "Slots: WAL retained",
                (("pgsage_replication_slot_retained_bytes{SEL}", "{{slot_name}}"),),
                unit="bytes",
            ),
            Panel(
                "WAL bytes / s",
                (("sum(" + rate("pgsage_wal_bytes_total") + ")", "WAL"),),
                unit="Bps",
            ),
            Panel(
                "Checkpoints / min",
                (
                    ("60 * " + rate("pgsage_checkpoints_timed_total"), "timed"),
                    ("60 * " + rate("pgsage_checkpoints_requested_total"), "requested"),
                ),
            ),
            Panel(
                "Inactive slots",
                (("count(pgsage_replication_slot_active{SEL} == 0) or vector(0)", "inactive"),),
                kind="stat",
            ),
        ),
    ),
    Row(
        "pgvector",
        (
            Panel(
                "Vector index size",
                (("pgsage_vector_index_size_bytes{SEL}", "{{schema}}.{{index}} ({{method}})"),),
                unit="bytes",
                width=12,
            ),
            Panel(
                "Vector index scans / s",
                ((rate("pgsage_vector_index_scans_total"), "{{schema}}.{{index}}"),),
                unit="ops",
                width=12,
            ),
        ),
    ),
    Row(
        "Exporter",
        (
            Panel(
                "Scrape time and budget",
                (
                    ("pgsage_exporter_scrape_duration_seconds{SEL}", "scrape"),
                    ("pgsage_exporter_scrape_budget_seconds{SEL}", "budget"),
                ),
                unit="s",
            ),
            Panel(
                "Time by group",
                (("pgsage_exporter_collector_duration_seconds{SEL}", "{{collector}}"),),
                unit="s",
            ),
            Panel(
                "Failed groups",
                (("count(pgsage_exporter_collector_success{SEL} == 0) or vector(0)", "failed"),),
                kind="stat",
            ),
        ),
    ),
)


def _targets(panel: Panel) -> list[dict[str, Any]]:
    return [
        {
            "datasource": DATASOURCE,
            "expr": expr.replace("{SEL, ", "{" + SEL + ", ").replace("{SEL}", "{" + SEL + "}"),
            "legendFormat": legend,
            "refId": chr(ord("A") + index),
        }
        for index, (expr, legend) in enumerate(panel.targets)
    ]


def dashboard(rows: tuple[Row, ...] = ROWS) -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    next_id = 1
    y = 0
    for row in rows:
        panels.append(
            {
                "type": "row",
                "title": row.title,
                "id": next_id,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        next_id += 1
        y += 1
        x = 0
        height = 4 if all(p.kind == "stat" for p in row.panels) else 8
        for panel in row.panels:
            if x + panel.width > 24:
                x = 0
                y += height
            item: dict[str, Any] = {
                "type": panel.kind,
                "title": panel.title,
                "id": next_id,
                "datasource": DATASOURCE,
                "description": panel.description,
                "gridPos": {"h": height, "w": panel.width, "x": x, "y": y},
                "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
                "targets": _targets(panel),
            }
            if panel.kind == "stat":
                item["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}}
            panels.append(item)
            next_id += 1
            x += panel.width
        y += height
    variable = {
        "type": "query",
        "datasource": DATASOURCE,
        "refresh": 2,
        "sort": 1,
        "includeAll": False,
        "multi": False,
    }
    return {
        "title": "PostgreSQL (pgsage)",
        "uid": "pgsage-postgres",
        "description": "Generated by `pgsage monitoring dashboard`; edit the generator.",
        "tags": ["postgresql", "pgsage"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "type": "datasource",
                    "name": "datasource",
                    "label": "Data source",
                    "query": "prometheus",
                },
                {
                    **variable,
                    "name": "job",
                    "label": "Job",
                    "query": "label_values(pgsage_up, job)",
                    "definition": "label_values(pgsage_up, job)",
                },
                {
                    **variable,
                    "name": "instance",
                    "label": "Instance",
                    "includeAll": True,
                    "multi": True,
                    "query": 'label_values(pgsage_up{job="$job"}, instance)',
                    "definition": 'label_values(pgsage_up{job="$job"}, instance)',
                },
            ]
        },
        "panels": panels,
    }


def render_dashboard() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


def dashboard_exprs(board: dict[str, Any] | None = None) -> list[str]:
    """Every PromQL expression in the dashboard (for tests and docs)."""
    board = board or dashboard()
    return [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]
