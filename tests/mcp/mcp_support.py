"""A real MCP client session: the SDK's stdio client starting ``pgsage mcp`` as a process."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import psycopg
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

SRC = Path(__file__).resolve().parents[2] / "src"
T = TypeVar("T")

SCHEMA = '''
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    total numeric(12, 2) NOT NULL
);
INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 2000) g;
INSERT INTO orders (customer_id, status, total)
SELECT 1 + g % 2000, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'done' END, g % 500
FROM generate_series(1, 20000) g;
CREATE SEQUENCE counter_seq;
SELECT nextval('counter_seq');
CREATE TABLE "wéird ""name""" (id int PRIMARY KEY, "col ""x""" text);
INSERT INTO "wéird ""name""" VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE SCHEMA "Schéma ""q""";
CREATE TABLE "Schéma ""q"""."Tâble" (a int);
CREATE FUNCTION bump() RETURNS bigint LANGUAGE sql VOLATILE AS $$ SELECT nextval('counter_seq') $$;
CREATE VIEW sneaky AS SELECT bump() AS v;
CREATE VIEW sneaky_on_sneaky AS SELECT v FROM sneaky;
CREATE FUNCTION vol_add(int, int) RETURNS int LANGUAGE sql VOLATILE
    AS $$ SELECT (nextval('counter_seq') + $1 + $2)::int $$;
CREATE OPERATOR ### (LEFTARG = int, RIGHTARG = int, FUNCTION = vol_add);
CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'open';
ANALYZE;
'''


def prepare(dsn: str, hypopg: bool) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if hypopg:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute(SCHEMA)
        for i in range(30):
            conn.execute("SELECT * FROM orders WHERE customer_id = %s", [i])
            conn.execute("SELECT count(*) FROM orders WHERE status = 'open'")


def server_params(dsn: str, root: Path, *extra: str) -> StdioServerParameters:
    env = {"PYTHONPATH": str(SRC), "PGSAGE_HOME": str(root / "pgsage-home")}
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "pgsage.cli.main", "mcp", "--dsn", dsn, "--root", str(root), *extra],
        env={
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG"))},
            **env,
        },
        cwd=str(root),
    )


def with_session(
    params: StdioServerParameters,
    body: Callable[[ClientSession], Awaitable[T]],
    errlog_path: Path | None = None,
) -> T:
    async def main() -> T:
        with open(errlog_path or os.devnull, "w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                return await body(session)

    return anyio.run(main)


def text_of(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)
