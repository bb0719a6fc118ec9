"""`pgsage mcp` keeps the advisor's sampled copies between calls (advise/samplestore.py) and
drops them when it stops: the workload advice with a GIN candidate, twice, over a real stdio
session; the scratch server holds one database meanwhile and none once the server is gone.

The audited database is on the PostgreSQL 15 + HypoPG server; `--scratch-dsn` names the
PostgreSQL 18 test server for the copies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from mcp.client.session import ClientSession
from mcp_support import server_params, with_session

from pgharness import TestServer

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
-- autovacuum off: an autoanalyze between the two calls (PG15 counts the rows loaded before
-- the ANALYZE of the same transaction as changes) would give the second call other statistics
CREATE TABLE docs (id int PRIMARY KEY, kind text NOT NULL, payload jsonb NOT NULL)
  WITH (autovacuum_enabled = off);
INSERT INTO docs
SELECT g, (ARRAY['invoice', 'note'])[1 + g % 2],
       jsonb_build_object('customer', 'c' || (g * 7919) % 6000, 'n', g)
FROM generate_series(1, 20000) g;
ANALYZE docs;
"""


def _scratch_databases(server: TestServer) -> list[str]:
    with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgsage_scratch_cost%'"
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_sampled_copies_are_kept_between_calls_and_dropped_at_exit(
    pg15: TestServer, pg18: TestServer, tmp_path: Path
) -> None:
    db = pg15.create_database()
    try:
        db.execute(SCHEMA)
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
            for n in range(20):
                conn.execute(
                    "SELECT id FROM docs WHERE payload @> %s::jsonb",
                    [f'{{"customer": "c{n}"}}'],
                )
        params = server_params(db.dsn, tmp_path, "--scratch-dsn", pg18.admin_dsn())

        async def body(session: ClientSession) -> dict[str, Any]:
            out: dict[str, Any] = {"answers": [], "held": []}
            for _ in range(2):
                result = await session.call_tool("advise_indexes", {"top": 5})
                out["answers"].append(result.structured_content)
                out["held"].append(_scratch_databases(pg18))
            return out

        out = with_session(params, body, tmp_path / "stderr.txt")
        left = _scratch_databases(pg18)
    finally:
        pg15.drop_database(db.name)
    first, second = out["answers"]
    gin = [r for r in first["recommendations"] if r["method"] == "gin"]
    assert gin and gin[0]["costing"]["method"] == "sampled copy", first
    assert second["recommendations"] == first["recommendations"]
    assert len(out["held"][0]) == 1 and out["held"][1] == out["held"][0]
    assert left == []
