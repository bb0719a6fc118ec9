"""Monitoring artifacts: Prometheus rules, the Grafana dashboard and the monitoring plan."""

from __future__ import annotations

from typing import Literal

from pgsage.monitoring.dashboard import render_dashboard
from pgsage.monitoring.definitions import ALERTS
from pgsage.monitoring.plan import render_csv, render_markdown
from pgsage.monitoring.rules import (
    apply_overrides,
    parse_assignments,
    parse_thresholds,
    render_rules,
)


def rules(job: str, thresholds: list[str], durations: list[str]) -> str:
    """Alerting and recording rules (YAML), with ``ALERT.SEVERITY=VALUE`` threshold and
    ``ALERT.SEVERITY=DURATION`` ``for:`` overrides."""
    alerts = apply_overrides(
        ALERTS, parse_thresholds(thresholds), parse_assignments(durations, "--for")
    )
    return render_rules(alerts, job)


def dashboard() -> str:
    return render_dashboard()


def plan(fmt: Literal["markdown", "csv"]) -> str:
    return render_markdown() if fmt == "markdown" else render_csv()
