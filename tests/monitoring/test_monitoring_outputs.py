"""The generated dashboard and monitoring plan, and the CLI that writes them."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from pgsage.cli.main import app
from pgsage.monitoring.dashboard import dashboard, dashboard_exprs, render_dashboard
from pgsage.monitoring.definitions import ALERTS, RECORDING_RULES
from pgsage.monitoring.plan import COLUMNS, render_csv, render_markdown
from pgsage.monitoring.rules import rendered_alerts

runner = CliRunner()
DOC = Path(__file__).resolve().parents[2] / "docs" / "monitoring.md"


def test_dashboard_sections_ids_and_rate_intervals() -> None:
    board = dashboard()
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    assert rows == [
        "Overview",
        "Connections",
        "Queries",
        "Tables",
        "Vacuum",
        "Replication",
        "pgvector",
        "Exporter",
    ]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24, panel["title"]
    exprs = dashboard_exprs(board)
    ranges = [r for expr in exprs for r in re.findall(r"\[([^\]]+)\]", expr)]
    assert ranges and set(ranges) == {"$__rate_interval"}
    for expr in exprs:
        if "pgsage_" in expr:
            assert 'job="$job"' in expr, expr
    assert render_dashboard() == render_dashboard()
    assert json.loads(render_dashboard())["uid"] == "pgsage-postgres"


GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__range"}


def test_dashboard_structure_as_grafana_reads_it() -> None:
    """What Grafana needs to import the board: a datasource variable every query uses, known
    variables only, panels with ids, types, units and targets, positions on the 24-column grid
    that never overlap."""
    board = json.loads(render_dashboard())
    assert board["schemaVersion"] >= 36 and board["uid"] and board["title"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for name in ("job", "instance"):
        assert variables[name]["type"] == "query"
        assert variables[name]["datasource"]["uid"] == "${datasource}"
    occupied: list[tuple[int, int, int, int, str]] = []
    for panel in board["panels"]:
        pos = panel["gridPos"]
        assert all(isinstance(pos[k], int) for k in ("h", "w", "x", "y")), panel["title"]
        assert pos["h"] > 0 and 0 < pos["w"] <= 24 and pos["x"] >= 0 and pos["y"] >= 0
        for x, y, w, h, other in occupied:
            overlap = (
                pos["x"] < x + w
                and x < pos["x"] + pos["w"]
                and pos["y"] < y + h
                and y < pos["y"] + pos["h"]
            )
            assert not overlap, f"{panel['title']!r} overlaps {other!r}"
        occupied.append((pos["x"], pos["y"], pos["w"], pos["h"], panel["title"]))
        if panel["type"] == "row":
            assert pos["w"] == 24 and panel["panels"] == []
            continue
        assert panel["type"] in {"timeseries", "stat"}, panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
        targets = panel["targets"]
        assert targets, panel["title"]
        assert len({t["refId"] for t in targets}) == len(targets), panel["title"]
        for target in targets:
            assert target["datasource"] == panel["datasource"]
            assert target["expr"] and "legendFormat" in target
            used = set(re.findall(r"\$\{?(\w+)", target["expr"]))
            unknown = used - set(variables) - GRAFANA_BUILTINS
            assert not unknown, (panel["title"], unknown)
            for function in re.findall(r"\b(rate|irate|increase)\(", target["expr"]):
                assert "[$__rate_interval]" in target["expr"], (function, target["expr"])
    ids = [p["id"] for p in board["panels"]]  # unique, in reading order
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_recording_rules_used_are_defined() -> None:
    """The dashboard and the alerts read recording rules (level:metric:operations): each one
    is written by `pgsage monitoring rules`."""
    defined = {rule.record for rule in RECORDING_RULES}
    exprs = (
        dashboard_exprs() + [a.expr for a in rendered_alerts()] + [r.expr for r in RECORDING_RULES]
    )
    used = {name for expr in exprs for name in re.findall(r"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", expr)}
    assert used and used <= defined, used - defined


def test_plan_has_one_row_per_alert_in_both_formats() -> None:
    markdown = render_markdown().splitlines()
    assert markdown[0] == "| " + " | ".join(COLUMNS) + " |"
    assert len(markdown) == 2 + len(ALERTS)
    rows = list(csv.reader(io.StringIO(render_csv())))
    assert tuple(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == [a.name for a in ALERTS]
    by_alert = {r[0]: r for r in rows[1:]}
    assert by_alert["PostgresConnectionsHigh"][3] == (
        "> 80 % for 5m → warning; > 95 % for 2m → critical"
    )
    assert by_alert["PostgresLongTransaction"][3].startswith("> 5 min for 1m → warning")
    assert by_alert["PostgresQueryErrorRateHigh"][3].startswith("> 1 % for 5m → warning")
    assert by_alert["PostgresReplicationSlotRetainingWal"][3].startswith("> 1 GiB")
    assert "times autovacuum_freeze_max_age" in by_alert["PostgresTransactionIdWraparound"][3]


def test_cli_writes_rules_dashboard_and_plan(tmp_path: Path) -> None:
    for args, name in (
        (["monitoring", "rules"], "rules.yml"),
        (["monitoring", "dashboard"], "dashboard.json"),
        (["monitoring", "plan", "--format", "csv"], "plan.csv"),
        (["monitoring", "plan"], "plan.md"),
    ):
        result = runner.invoke(app, [*args, "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "rules.yml").read_text().startswith("# Generated by")
    assert json.loads((tmp_path / "dashboard.json").read_text())["panels"]
    assert (tmp_path / "plan.md").read_text() == render_markdown()
    assert (tmp_path / "plan.csv").read_text() == render_csv()


def test_the_plan_in_the_docs_is_current() -> None:
    text = DOC.read_text()
    start = text.index("-->", text.index("<!-- plan:start")) + len("-->\n")
    end = text.index("<!-- plan:end -->")
    assert text[start:end] == render_markdown(), "regenerate: pgsage monitoring plan"
