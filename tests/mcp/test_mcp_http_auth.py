"""`pgsage mcp --transport http --require-auth`: HTTP Basic with the web store's users, through
a real HTTP client and the SDK's streamable-HTTP client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_support import SRC

from pgharness import TestDatabase
from pgsage.web.auth import hash_password
from pgsage.web.store import Store

PASSWORD = "s3cret-mcp-Pass"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
PGSAGE_MCP = [sys.executable, "-m", "pgsage.cli.main", "mcp"]
ACCEPT = {"accept": "application/json, text/event-stream"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(db: TestDatabase, store_dsn: str, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    env = {
        "PYTHONPATH": str(SRC),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGSAGE_HOME": str(tmp_path / "home"),
    }
    return subprocess.Popen(
        [*PGSAGE_MCP, "--dsn", db.dsn, "--transport", "http", "--store-dsn", store_dsn, *extra],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def store_dsn(db: TestDatabase) -> Iterator[str]:
    store_db = db.server.create_database("store")
    yield store_db.dsn
    db.server.drop_database(store_db.name)


def wait_listening(proc: subprocess.Popen[str], port: int) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read() if proc.stderr else "exited")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the server did not listen")


def test_refused_without_users(db: TestDatabase, store_dsn: str, tmp_path: Path) -> None:
    proc = start(db, store_dsn, tmp_path, "--require-auth", "--port", str(free_port()))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "no user" in err and "Traceback" not in err


@pytest.mark.parametrize("server", ["pg18"], indirect=True)
def test_basic_auth_on_every_request(db: TestDatabase, store_dsn: str, tmp_path: Path) -> None:
    store = Store(store_dsn)
    store.migrate()
    store.add_user("alice", hash_password(PASSWORD, rounds=4), "viewer")
    store.dispose()
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    proc = start(db, store_dsn, tmp_path, "--require-auth", "--port", str(port))
    try:
        wait_listening(proc, port)
        bare = httpx.post(url, json=INIT, headers=ACCEPT, timeout=30)
        assert bare.status_code == 401 and "Basic" in bare.headers["www-authenticate"]
        wrong = httpx.post(url, json=INIT, headers=ACCEPT, auth=("alice", "nope"), timeout=30)
        assert wrong.status_code == 401
        right = httpx.post(url, json=INIT, headers=ACCEPT, auth=("alice", PASSWORD), timeout=30)
        assert right.status_code == 200, right.text

        async def session() -> list[str]:
            client = create_mcp_http_client(auth=httpx2_basic("alice", PASSWORD))
            async with (
                client,
                streamable_http_client(url, http_client=client) as (read, write),
                ClientSession(read, write) as mcp_session,
            ):
                await mcp_session.initialize()
                result = await mcp_session.call_tool("list_schemas", {})
                assert not result.is_error
                assert result.structured_content is not None
                return [s["name"] for s in result.structured_content["schemas"]]

        assert "public" in anyio.run(session)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def httpx2_basic(user: str, password: str) -> httpx2.BasicAuth:
    return httpx2.BasicAuth(user, password)


def test_which_store_guards_http() -> None:
    from pgsage.cli.mcp import Transport, http_auth_store
    from pgsage.errors import UsageError

    store = "postgresql://u@127.0.0.1:5432/store"
    assert http_auth_store(Transport.http, "0.0.0.0", store, False) == store
    assert http_auth_store(Transport.http, "127.0.0.1", None, False) is None
    assert http_auth_store(Transport.http, "127.0.0.1", store, False) == store
    with pytest.raises(UsageError, match="not a loopback address"):
        http_auth_store(Transport.http, "10.1.2.3", None, True)
    with pytest.raises(UsageError, match="apply to --transport http"):
        http_auth_store(Transport.stdio, "127.0.0.1", store, False)
