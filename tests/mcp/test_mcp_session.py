"""A real MCP client session (the SDK's stdio client starting `pgsage mcp`) calls every tool
against a real server and checks the structured results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from mcp.client.session import ClientSession
from mcp_support import prepare, server_params, text_of, with_session

from pgharness import TestDatabase
from pgsage.instrument.capture import capture_json
from pgsage.mcp.nplusone import events_from_json

PROJECTS = Path(__file__).resolve().parents[1] / "migrations" / "projects"

N1_REPORT = {
    "format": "pgsage-instrument-report",
    "version": 1,
    "nplusone": [
        {
            "kind": "lazy_load",
            "unit": "GET /customers",
            "count": 50,
            "total_ms": 12.5,
            "call_site": "app/views.py:42",
            "statement": "SELECT orders",
            "sql": "SELECT orders.id FROM orders WHERE %(param_1)s = orders.customer_id",
            "fingerprint": "abc",
            "relationship": "Customer.orders",
            "parent_query": "SELECT customers at app/views.py:40",
            "request_id": None,
            "fix": "load Customer.orders with selectinload",
            "fix_code": "select(Customer).options(selectinload(Customer.orders))",
            "loader_option": "selectinload",
            "occurrences": 3,
            "max_count": 50,
        }
    ],
    "slow": [],
    "problem_units": 3,
}


@pytest.mark.parametrize("role", ["superuser", "monitor"])
def test_every_tool_over_stdio(
    db: TestDatabase, tmp_path: Path, role: str, request: pytest.FixtureRequest
) -> None:
    """As the superuser the tests run as, and as the issue's recommended role (pg_monitor +
    pg_read_all_data, password authenticated)."""
    session_dsn = db.dsn if role == "superuser" else request.getfixturevalue("monitor_dsn")
    hypopg = "hypopg" in db.server.available_extensions
    prepare(db.dsn, hypopg)
    (tmp_path / "migration.sql").write_text(
        "ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT 'x';\n"
        "CREATE INDEX orders_status ON orders (status);\n"
    )
    # the capture `pgsage report --nplusone` reads, made from the earlier report format
    (tmp_path / "n1_report.json").write_text(capture_json(events_from_json(N1_REPORT)))
    shutil.copytree(PROJECTS / "healthy", tmp_path / "healthy")
    errlog = tmp_path / "stderr.txt"
    params = server_params(session_dsn, tmp_path, "--scratch-dsn", db.server.admin_dsn())

    async def body(session: ClientSession) -> dict[str, Any]:
        out: dict[str, Any] = {}
        listed = await session.list_tools()
        out["tools"] = {t.name: t for t in listed.tools}

        async def call(name: str, args: dict[str, Any]) -> Any:
            result = await session.call_tool(name, args)
            out.setdefault("calls", {})[name] = result
            return result

        await call("list_schemas", {})
        await call("list_objects", {"schema": "public", "kinds": ["table", "view", "sequence"]})
        await call("describe_table", {"schema": "public", "table": "orders"})
        out["weird"] = await session.call_tool(
            "describe_table", {"schema": "public", "table": 'wéird "name"'}
        )
        out["missing"] = await session.call_tool(
            "describe_table", {"schema": "public", "table": "nope"}
        )
        await call("audit", {})
        out["audit_select"] = await session.call_tool("audit", {"select": ["indexes"]})
        await call("top_queries", {"order_by": "calls", "limit": 5})
        await call(
            "explain",
            {
                "query": "SELECT * FROM orders WHERE status = 'open'",
                "hypothetical_indexes": (["CREATE INDEX ON orders (status)"] if hypopg else []),
            },
        )
        await call("advise_indexes", {"queries": ["SELECT * FROM orders WHERE status = 'open'"]})
        await call("lint_migration", {"path": "migration.sql"})
        out["lint_text"] = await session.call_tool(
            "lint_migration", {"sql": "ALTER TABLE orders ALTER COLUMN status TYPE varchar(10);"}
        )
        await call("check_migrations", {"project": "healthy"})
        await call("n_plus_one", {"report": "n1_report.json"})
        await call("monitoring", {})
        await call("run_sql", {"sql": "SELECT id, email FROM customers ORDER BY id LIMIT 3"})
        out["resources"] = await session.list_resources()
        out["page"] = await session.read_resource("pgsage://checks/duplicate-index")
        out["prompts"] = await session.list_prompts()
        out["prompt"] = await session.get_prompt("review_migration", {"migration": "m.sql"})
        return out

    out = with_session(params, body, errlog)
    calls = out["calls"]
    assert set(out["tools"]) == set(calls), "every tool is called"
    for name, result in calls.items():
        if name == "advise_indexes" and not hypopg:
            assert result.is_error and "hypopg" in text_of(result).lower()
            continue
        assert not result.is_error, (name, text_of(result))
        assert result.structured_content is not None, name
        assert text_of(result), name
        assert out["tools"][name].output_schema, name
        # published inline (pgsage.mcp.schemas), and the client checked the result against it
        assert "$ref" not in json.dumps(out["tools"][name].output_schema), name
        assert out["tools"][name].description, name

    def data(name: str) -> dict[str, Any]:
        return calls[name].structured_content  # type: ignore[no-any-return]

    assert "public" in [s["name"] for s in data("list_schemas")["schemas"]]
    assert 'Schéma "q"' in [s["name"] for s in data("list_schemas")["schemas"]]
    kinds = {(o["name"], o["kind"]) for o in data("list_objects")["objects"]}
    assert {("orders", "table"), ("open_orders", "view"), ("counter_seq", "sequence")} <= kinds
    described = data("describe_table")
    assert described["table"]["name"] == "orders"
    assert [c["name"] for c in described["columns"]] == ["id", "customer_id", "status", "total"]
    assert any(c["type"] == "f" for c in described["constraints"])
    assert not out["weird"].is_error
    assert out["weird"].structured_content["columns"][1]["name"] == 'col "x"'
    assert out["missing"].is_error and "no table" in text_of(out["missing"])
    audit = data("audit")
    assert any(f["check"] == "fk-without-index" for f in audit["findings"])
    fk = next(f for f in audit["findings"] if f["check"] == "fk-without-index")
    assert fk["evidence"] and "CONCURRENTLY" in fk["fix_sql"] and "op." in fk["fix_alembic"]
    assert all(
        f["category"] == "indexes" for f in out["audit_select"].structured_content["findings"]
    )
    top = data("top_queries")
    assert top["status"] == "ok" and top["statements"]
    assert top["statements"][0]["calls"] >= top["statements"][-1]["calls"]
    plan = data("explain")
    assert plan["total_cost"] > 0 and plan["plan"][0]["Plan"]
    if hypopg:
        assert plan["used_hypothetical_indexes"] == ["CREATE INDEX ON orders (status)"]
        assert plan["total_cost"] < plan["total_cost_without"]
        advice = data("advise_indexes")
        assert advice["recommendations"] and "CONCURRENTLY" in advice["ddl"]
        assert "autocommit_block" in advice["alembic_revision"]
    lint = data("lint_migration")
    assert {"require-concurrent-index-creation"} <= {v["rule"] for v in lint["violations"]}
    assert not out["lint_text"].is_error
    assert out["lint_text"].structured_content["violations"]
    migrations = data("check_migrations")
    assert migrations["stages"]["graph"] == "ok" and migrations["stages"]["upgrade"] == "ok"
    n1 = data("n_plus_one")
    assert n1["findings"][0]["relationship"] == "Customer.orders"
    assert "selectinload" in n1["markdown"]
    monitoring = data("monitoring")
    assert monitoring["up"] is True
    assert any(m["name"] == "pgsage_connections_used_ratio" for m in monitoring["metrics"])
    states = {a["alert"]: a["state"] for a in monitoring["alerts"]}
    assert states["PostgresDown"] == "ok" and states["PostgresDeadlocks"] == "needs-prometheus"
    rows = data("run_sql")
    assert rows["columns"] == ["id", "email"] and rows["rows"][0] == [1, "c1@example.com"]
    uris = {str(r.uri) for r in out["resources"].resources}
    assert "pgsage://checks/duplicate-index" in uris and "pgsage://targets" in uris
    assert "# " in out["page"].contents[0].text
    assert {p.name for p in out["prompts"].prompts} == {
        "full_performance_audit",
        "review_migration",
        "find_n_plus_one",
        "tune_pgvector",
    }
    assert "m.sql" in out["prompt"].messages[0].content.text
    assert_role_check(role, errlog.read_text())


def assert_role_check(role: str, errlog: str) -> None:
    """The start-up role check warns for a superuser and says nothing for the recommended role."""
    if role == "superuser":
        assert "superuser" in errlog, "the start-up role check warns"
    else:
        assert "superuser" not in errlog and "can write" not in errlog, errlog
        assert "pg_monitor" not in errlog and "target default" not in errlog, errlog


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10"])
def test_http_refuses_non_loopback(host: str) -> None:
    import subprocess
    import sys

    from mcp_support import SRC

    done = subprocess.run(
        [sys.executable, "-m", "pgsage.cli.main", "mcp", "--transport", "http", "--host", host],
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "not a loopback address" in done.stderr


def test_n_plus_one_reads_the_capture_and_the_earlier_report(tmp_path: Path) -> None:
    from pgsage.instrument.capture import load_capture
    from pgsage.mcp.nplusone import load_events

    old = tmp_path / "old.json"
    old.write_text(json.dumps(N1_REPORT))
    events = load_events(old)
    new = tmp_path / "capture.json"
    new.write_text(capture_json(events))
    assert load_events(new) == load_capture(new) == events
    assert events.nplusone[0].finding.relationship == "Customer.orders"
    assert events.nplusone[0].occurrences == 3 and events.problem_units == 3
