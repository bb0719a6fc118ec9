"""The exporter's HTTP endpoints and its CLI, against real servers."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

from exporter_helpers import get, parse, serving
from psycopg import conninfo

from pgharness import TestDatabase


def closed_port_dsn(dsn: str) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return conninfo.make_conninfo(dsn, host="127.0.0.1", port=port)


def test_endpoints(db: TestDatabase) -> None:
    down = closed_port_dsn(db.dsn)
    with serving({"default": db.dsn, "other": db.dsn, "down": down}) as base:
        assert get(base + "/health") == (200, "ok\n")
        assert get(base + "/ready") == (200, "ready\n")
        status, body = get(base + "/ready?target=down")
        assert status == 503 and body.startswith("not ready: ")
        status, body = get(base + "/metrics")
        assert status == 200 and parse(body).value("pgsage_up") == 1
        status, body = get(base + "/probe?target=other")
        assert status == 200 and parse(body).value("pgsage_up") == 1
        status, body = get(base + "/probe?target=down")
        assert status == 200 and parse(body).value("pgsage_up") == 0
        assert get(base + "/probe")[0] == 400
        status, body = get(base + "/probe?target=nope")
        assert status == 404 and "configured: default, down, other" in body
        assert get(base + "/nowhere")[0] == 404


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgsage.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_cli_once_prints_one_scrape(db: TestDatabase) -> None:
    done = run_cli("exporter", "--dsn", db.dsn, "--once", "--top-tables", "3")
    assert done.returncode == 0, done.stderr
    scraped = parse(done.stdout)
    assert scraped.value("pgsage_up") == 1
    assert scraped.value("pgsage_exporter_top_k", kind="tables") == 3


def test_cli_targets_file(db: TestDatabase, tmp_path: Path) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(f'[targets]\napp = "{db.dsn}"\n')
    done = run_cli("exporter", "--targets-file", str(targets), "--once")
    assert done.returncode == 0, done.stderr
    assert parse(done.stdout).value("pgsage_up") == 1
    targets.write_text("[targets]\napp = 1\n")
    done = run_cli("exporter", "--targets-file", str(targets), "--once")
    assert done.returncode == 2 and "needs a [targets] table" in done.stderr


def test_cli_errors_are_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        check_one_line_errors(
            (
                (
                    ("exporter", "--dsn", "postgresql://postgres@127.0.0.1:1/x", "--port", port),
                    f"cannot listen on 127.0.0.1:{port}: Address already in use",
                ),
                (("exporter", "--dsn", "host=x port=", "--target", "a=b c"), "invalid DSN"),
            )
        )
    check_one_line_errors(
        (
            (("exporter", "--target", "nodsn"), "--target expects NAME=DSN"),
            (("monitoring", "rules", "--threshold", "PostgresDown.critical=1"), "no threshold"),
            (
                ("monitoring", "rules", "--for", "PostgresLongTransaction.warning=soon"),
                "not a Prometheus duration",
            ),
        )
    )


def test_cli_once_fails_when_the_database_cannot_be_read(db: TestDatabase) -> None:
    done = run_cli("exporter", "--dsn", closed_port_dsn(db.dsn), "--once", "--budget", "2")
    assert done.returncode == 2, done.stderr
    assert parse(done.stdout).value("pgsage_up") == 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pgsage exporter: cannot scrape "), lines
    assert "Connection refused" in lines[0] and "Traceback" not in done.stderr


def check_one_line_errors(cases: tuple[tuple[tuple[str, ...], str], ...]) -> None:
    for args, message in cases:
        done = run_cli(*args, env={"PATH": "/usr/bin:/bin"})
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pgsage: error: "), done.stderr
        assert message in lines[0], lines[0]


def test_idle_and_half_sent_clients_are_bounded_and_timed_out(db: TestDatabase) -> None:
    """Idle TCP connections and requests that never finish their headers neither pin more
    than ``max_clients`` threads nor trigger a scrape; the server closes them after the
    client timeout, and a real scrape is still served."""
    baseline = threading.active_count()
    with serving({"default": db.dsn}, max_clients=4, client_timeout_s=1.0) as base:
        port = int(base.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(12)]
        half = []
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # no blank line: never ends
            half.append(sock)
        try:
            # Serving threads never exceed the bound (plus the accept loop's own).
            assert threading.active_count() <= baseline + 1 + 4
            for sock in idle + half:
                sock.settimeout(60)
                assert sock.recv(100) == b""  # closed by the server, with no reply
            status, body = get(base + "/metrics")
            assert status == 200 and parse(body).value("pgsage_up") == 1
        finally:
            for sock in idle + half:
                sock.close()
