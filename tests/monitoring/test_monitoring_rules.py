"""Alert rules: promtool's own checks and unit tests, and the definitions' completeness."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from monitoring_tools import require_tool

from pgsage.monitoring.dashboard import dashboard_exprs
from pgsage.monitoring.definitions import ALERTS
from pgsage.monitoring.rules import apply_overrides, render_rules, rendered_alerts

CASES = sorted((Path(__file__).parent / "promtool").glob("*.json"))
RUNBOOKS = {alert.name: alert.runbook for alert in ALERTS}


def test_every_alert_is_complete() -> None:
    names = [alert.name for alert in ALERTS]
    assert len(names) == len(set(names))
    for alert in ALERTS:
        assert alert.tiers, alert.name
        assert {t.severity for t in alert.tiers} <= {"warning", "critical"}, alert.name
        assert all(t.for_ for t in alert.tiers), alert.name
        assert alert.summary and alert.runbook and alert.source and alert.metric_type
        for tier in alert.tiers:
            assert ("{threshold}" in (tier.expr or alert.expr)) == (tier.threshold is not None)
    severities = {(r.name, r.severity) for r in rendered_alerts()}
    assert ("PostgresConnectionsHigh", "critical") in severities


def test_seed_thresholds() -> None:
    """The seeds' table: connections > 80 % of max, transactions open > 5 min, error rate
    > 1 %, p95 > 500 ms; sequences, wraparound and slots as the audit checks have them."""
    by_name = {alert.name: alert for alert in ALERTS}
    assert by_name["PostgresConnectionsHigh"].tier("warning").threshold == 0.8
    assert by_name["PostgresLongTransaction"].tier("warning").threshold == 300
    assert by_name["PostgresQueryErrorRateHigh"].tier("warning").threshold == 0.01
    assert by_name["PostgresQueryLatencyP95High"].tier("warning").threshold == 0.5
    assert by_name["PostgresQueryLatencyP95High"].tier("critical").threshold == 1.0
    for required in (
        "PostgresReplicationLagHigh",
        "PostgresTransactionIdWraparound",
        "PostgresSequenceExhaustion",
        "PostgresDeadTuplesHigh",
        "PostgresCacheHitRatioLow",
        "PostgresReplicationSlotInactive",
        "PostgresExporterDown",
    ):
        assert required in by_name


# The seeds' table (issue 7): each of its items has a warning and a critical tier.
SEED_ALERTS = (
    "PostgresConnectionsHigh",
    "PostgresLongTransaction",
    "PostgresQueryLatencyP95High",
    "PostgresQueryErrorRateHigh",
    "PostgresReplicationLagHigh",
    "PostgresTransactionIdWraparound",
    "PostgresMultixactWraparound",
    "PostgresSequenceExhaustion",
    "PostgresDeadTuplesHigh",
    "PostgresCacheHitRatioLow",
    "PostgresReplicationSlotInactive",
    "PostgresExporterDown",
)


def test_seed_items_have_warning_and_critical_tiers() -> None:
    by_name = {alert.name: alert for alert in ALERTS}
    for name in SEED_ALERTS:
        assert [t.severity for t in by_name[name].tiers] == ["warning", "critical"], name


def test_every_tier_fires_in_a_promtool_unit_test() -> None:
    """Each alert's every tier is expected to fire in some case of tests/monitoring/promtool."""
    expected = {
        (check["alertname"], alert["exp_labels"]["severity"])
        for case in CASES
        for test in json.loads(case.read_text())["tests"]
        for check in test.get("alert_rule_test", [])
        for alert in check["exp_alerts"]
    }
    untested = sorted({(r.name, r.severity) for r in rendered_alerts()} - expected)
    assert not untested, f"no promtool unit test fires: {untested}"


def test_rules_render_deterministically_and_overrides_apply() -> None:
    assert render_rules() == render_rules()
    lowered = apply_overrides(
        ALERTS, {"PostgresLongTransaction.warning": 5}, {"PostgresLongTransaction.warning": "0s"}
    )
    text = render_rules(lowered, job="db")
    assert '"pgsage_oldest_transaction_seconds > 5"' in text
    assert 'up{job=~\\"db\\"} == 0' in text
    # both jobs of one exporter (/metrics and /probe) watched by one rule
    assert 'up{job=~\\"pgsage|pgsage-probe\\"} == 0' in render_rules(job="pgsage|pgsage-probe")
    assert "for: 0s" in text


def test_promtool_check_rules(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    rules = tmp_path / "rules.yml"
    rules.write_text(render_rules())
    done = subprocess.run(
        [promtool, "check", "rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    expected = len(rendered_alerts()) + 7
    assert f"SUCCESS: {expected} rules found" in done.stdout


def grafana_to_prometheus(expr: str) -> str:
    """A dashboard query as Prometheus gets it from Grafana (variables substituted)."""
    return (
        expr.replace("$__rate_interval", "1m").replace("$job", "pgsage").replace("$instance", ".*")
    )


def test_promtool_parses_every_dashboard_query(tmp_path: Path) -> None:
    """Each dashboard query, as a recording rule, through promtool's PromQL parser."""
    promtool = require_tool("promtool")
    exprs = dashboard_exprs()
    lines = ["groups:", "  - name: dashboard", "    rules:"]
    for index, expr in enumerate(exprs):
        lines += [
            f"      - record: dashboard_query_{index}",
            f"        expr: {json.dumps(grafana_to_prometheus(expr))}",
        ]
    rules = tmp_path / "dashboard.yml"
    rules.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [promtool, "check", "rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in done.stdout


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_promtool_unit_tests(case: Path, tmp_path: Path) -> None:
    """Each JSON case (valid YAML) is a promtool unit test; the runbook line, which never
    varies, is filled in from the definitions, the summary is spelled out in the case."""
    promtool = require_tool("promtool")
    (tmp_path / "rules.yml").write_text(render_rules())
    spec = json.loads(case.read_text())
    spec["rule_files"] = ["rules.yml"]
    spec.setdefault("evaluation_interval", "1m")
    for test in spec["tests"]:
        for check in test.get("alert_rule_test", []):
            for alert in check["exp_alerts"]:
                alert["exp_annotations"]["runbook"] = RUNBOOKS[check["alertname"]]
    (tmp_path / "test.yml").write_text(json.dumps(spec, indent=1))
    done = subprocess.run(
        [promtool, "test", "rules", "test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
