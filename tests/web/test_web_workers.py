"""`pgsage web --workers 2` as a real process: both workers answer with the store's users,
their configuration file is private while they run and gone after SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from web_helpers import VIEWER, basic

from pgharness import TestDatabase
from pgsage.web.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), ""
    except OSError:
        return 0, ""


def _config_files(since: float) -> list[Path]:
    found = Path(tempfile.gettempdir()).glob("pgsage-web-workers-*/config.pickle")
    return [p for p in found if p.stat().st_mtime >= since - 1]


def test_two_workers_serve_and_clean_up(
    store: Store, store_db: TestDatabase, target_db: TestDatabase
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.time()
    command = [sys.executable, "-m", "pgsage.cli.main", "web", "--target", f"main={target_db.dsn}"]
    command += ["--store-dsn", store_db.dsn, "--port", str(port), "--collect-interval", "0"]
    command += ["--workers", "2"]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while _get(f"{base}/ready")[0] != 200:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "pgsage web --workers 2 never became ready"
            time.sleep(0.3)
        (config,) = _config_files(started)
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
        for _ in range(8):  # new connections: both workers answer
            status, body = _get(f"{base}/api/v1/me", basic(VIEWER))
            assert status == 200 and '"viewer"' in body
        assert _get(f"{base}/api/v1/me")[0] == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert not config.parent.exists()
