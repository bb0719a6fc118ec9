"""The advisor's tests never start the user's embedded server for a sampled copy: the
PostgreSQL 18 test server stands in for it (PGSAGE_SCRATCH_DSN, read by in-process runs and by
the CLI's --scratch-dsn alike); without it, an address that refuses connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pgharness import TestServer

UNREACHABLE = "postgresql://pgsage-tests@127.0.0.1:1/none?connect_timeout=2"


@pytest.fixture(autouse=True)
def scratch_server(
    servers: dict[str, TestServer | str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    pg18 = servers.get("pg18")
    dsn = pg18.admin_dsn() if isinstance(pg18, TestServer) else UNREACHABLE
    monkeypatch.setenv("PGSAGE_SCRATCH_DSN", dsn)
    yield
