"""Session-wide throwaway servers and a fresh database per test (see pgharness.py).

Tests that take the ``db`` fixture run once per server (pg18, pg15). Markers:
``@pytest.mark.pg(">= 16")`` limits the servers; ``@pytest.mark.extensions("hypopg")`` skips a
server where the extension is not available. With PGSAGE_REQUIRE_ALL_SERVERS=1 (set by
``make test`` once it has installed them), a missing server fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pgharness import (
    TestDatabase,
    TestServer,
    cleanup_root,
    make_root,
    server_binaries,
    start_server,
    version_matches,
)

SERVER_NAMES = ("pg18", "pg15")


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, TestServer | str]]:
    root = make_root()
    started: dict[str, TestServer | str] = {}
    try:
        for name, bindir in server_binaries().items():
            if bindir is None:
                started[name] = f"{name} binaries are not installed"
            else:
                started[name] = start_server(name, bindir, root)
        yield started
    finally:
        for server in started.values():
            if isinstance(server, TestServer):
                server.cluster.stop()
        cleanup_root(root)


def _server(servers: dict[str, TestServer | str], name: str) -> TestServer:
    server = servers[name]
    if isinstance(server, str):
        if os.environ.get("PGSAGE_REQUIRE_ALL_SERVERS") == "1":
            pytest.fail(f"required server missing: {server}")
        pytest.skip(server)
    return server


@pytest.fixture(params=SERVER_NAMES)
def server(request: pytest.FixtureRequest, servers: dict[str, TestServer | str]) -> TestServer:
    found = _server(servers, request.param)
    marker = request.node.get_closest_marker("pg")
    if marker and not version_matches(marker.args[0], found.major):
        pytest.skip(f"needs PostgreSQL {marker.args[0]}, {found.name} is {found.major}")
    ext_marker = request.node.get_closest_marker("extensions")
    if ext_marker:
        missing = [e for e in ext_marker.args if e not in found.available_extensions]
        if missing:
            pytest.skip(f"{found.name} lacks extension(s): {', '.join(missing)}")
    return found


@pytest.fixture
def db(server: TestServer) -> Iterator[TestDatabase]:
    database = server.create_database()
    try:
        yield database
    finally:
        server.drop_database(database.name)


@pytest.fixture
def pg18(servers: dict[str, TestServer | str]) -> TestServer:
    return _server(servers, "pg18")


@pytest.fixture
def pg15(servers: dict[str, TestServer | str]) -> TestServer:
    return _server(servers, "pg15")


# A skip whose reason starts with this says test data that lives outside the repository is
# missing (tests/lint/test_lint_conformance.py): the summary repeats it as a warning, so a
# clone that silently checks less is visible at the end of the run.
MISSING_DATA = "missing test data:"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reasons = sorted(
        {
            report.longrepr[2].removeprefix("Skipped: ")
            for report in terminalreporter.stats.get("skipped", [])
            if isinstance(report.longrepr, tuple)
            and report.longrepr[2].removeprefix("Skipped: ").startswith(MISSING_DATA)
        }
    )
    for reason in reasons:
        terminalreporter.write_line(f"WARNING: {reason} — those tests were skipped", yellow=True)
