"""Throwaway databases: created for one run and dropped after it, never the user's database.

By default they live on the embedded server. With ``--dsn`` the DSN names a server (and a
database to connect to for CREATE/DROP DATABASE); pgsage creates ``pgsage_scratch_*`` databases
there and drops them again, so the database in the DSN itself is never written to.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from psycopg import conninfo, sql

from pgsage.db.connect import one_line, validate_dsn
from pgsage.db.scratchmark import mark, sweep
from pgsage.errors import ConnectionFailed, MissingPrivilege, PgsageError, ServerError

SCRATCH_PREFIX = "pgsage_scratch"
_counter = itertools.count(1)
# CREATE EXTENSION in a revision's source, as SQL text or inside op.execute("...")
_CREATE_EXTENSION = re.compile(
    r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"'\\]*([A-Za-z0-9_-]+)", re.IGNORECASE
)


def extensions_created(sources: Iterable[Path]) -> frozenset[str]:
    """The extensions the revision files create (read as text: nothing is imported)."""
    found: set[str] = set()
    for path in sources:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.update(m.group(1).lower() for m in _CREATE_EXTENSION.finditer(text))
    return frozenset(found)


@dataclass(frozen=True)
class ScratchServer:
    """Where scratch databases are made: an admin DSN (any database of that server).

    ``missing`` names the extensions the history creates that this server cannot provide (a
    server problem, reported as such instead of as a failing revision); ``description`` says
    which server was chosen when it is not the one asked for."""

    admin_dsn: str
    missing: tuple[str, ...] = ()
    description: str = ""
    needs: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def choose(cls, dsn: str | None, needs: frozenset[str] = frozenset()) -> ScratchServer:
        """``--dsn`` when given; else the embedded server, unless it lacks an extension in
        ``needs`` and a system PostgreSQL of the nearest major version has them all."""
        if dsn is not None:
            validate_dsn(dsn)
            given = cls(dsn, needs=needs)
            return replace(given, missing=given.unavailable(needs))
        from pgsage.db.embedded import EmbeddedServer  # starts a server: only when needed

        server = EmbeddedServer()
        server.start()
        embedded = cls(server.dsn("postgres"), needs=needs)
        missing = embedded.unavailable(needs)
        if not missing:
            return embedded
        alternative = _system_server_with(needs, embedded.major_version())
        if alternative is not None:
            return alternative
        return replace(embedded, missing=missing)

    def unavailable(self, needs: frozenset[str]) -> tuple[str, ...]:
        if not needs:
            return ()
        with self._admin() as conn:
            rows = conn.execute("SELECT name FROM pg_catalog.pg_available_extensions").fetchall()
        available = {str(r[0]) for r in rows}
        return tuple(sorted(needs - available))

    def missing_message(self) -> str:
        names = ", ".join(self.missing)
        return (
            f"the scratch server has no {names} extension (the revisions create it): "
            "revisions that need it cannot run there — pass --dsn a server that has it "
            "(e.g. a PostgreSQL of production's version with its contrib package)"
        )

    def dsn_for(self, database: str) -> str:
        return conninfo.make_conninfo(self.admin_dsn, dbname=database)

    def major_version(self) -> int:
        with self._admin() as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
        return int(str(row[0])) // 10000 if row else 0

    @contextmanager
    def _admin(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        try:
            conn = psycopg.connect(
                self.admin_dsn,
                autocommit=True,
                connect_timeout=10,
                application_name="pgsage-migrations",
            )
        except psycopg.Error as exc:
            raise ConnectionFailed(one_line(str(exc))) from None
        with conn:
            yield conn

    @contextmanager
    def database(self, purpose: str) -> Iterator[str]:
        """A fresh empty database for the duration of the block; its DSN is yielded."""
        name = new_name(purpose)
        # The drop is in the same try as the creation: an interrupt (SIGINT, SIGTERM) that lands
        # between CREATE DATABASE and the block still drops it (IF EXISTS: the name is ours).
        try:
            self._create(name)
            yield self.dsn_for(name)
        finally:
            # while another error unwinds, a failing drop must not hide it (the sweep of a
            # later run removes what is left, by its mark)
            self._drop(name, quiet=sys.exc_info()[0] is not None)

    def create_database(self, name: str) -> str:
        """Create (and mark) ``name`` (see ``new_name``) for a caller that drops it itself
        with ``drop_database`` (a database kept between calls); its DSN."""
        try:
            self._create(name)
        except BaseException:
            self._drop(name, quiet=True)  # an interrupt between CREATE and COMMENT
            raise
        return self.dsn_for(name)

    def drop_database(self, name: str, *, quiet: bool = False) -> None:
        self._drop(name, quiet=quiet)

    def _drop(self, name: str, *, quiet: bool) -> None:
        try:
            with self._admin() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        except (psycopg.Error, PgsageError):
            if not quiet:
                raise

    def _create(self, name: str) -> None:
        with self._admin() as conn:
            sweep(conn)  # what killed runs left behind (see pgsage.db.scratchmark)
            try:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
                )
                mark(conn, name)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise MissingPrivilege(
                    f"cannot create a scratch database: {one_line(str(exc))}"
                    " (the role needs CREATEDB)"
                ) from None
            except psycopg.Error as exc:
                raise ConnectionFailed(
                    f"cannot create a scratch database: {one_line(str(exc))}"
                ) from None


def new_name(purpose: str) -> str:
    """A scratch database name no other run uses: purpose, pid, a counter and a random tail."""
    return f"{SCRATCH_PREFIX}_{purpose}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(3)}"


def _has_extensions(bindir: Path, needs: frozenset[str]) -> bool:
    """Whether the installation of ``bindir`` ships every extension (its control files)."""
    sharedir = bindir.parent / "share"
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        result = subprocess.run(
            [str(pg_config), "--sharedir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            sharedir = Path(result.stdout.strip())
    return all((sharedir / "extension" / f"{name}.control").exists() for name in needs)


def _system_server_with(needs: frozenset[str], near_major: int) -> ScratchServer | None:
    """A system PostgreSQL (nearest major version first) that has ``needs``, started in a data
    directory of its own beside the embedded one, and kept like it."""
    from pgsage.db.embedded import DEBIAN_BINDIRS, Binaries, EmbeddedServer, home_dir

    candidates = sorted(
        (d for d in DEBIAN_BINDIRS if (d / "postgres").exists()),
        key=lambda d: abs(int(d.parent.name) - near_major),
    )
    for bindir in candidates:
        if not _has_extensions(bindir, needs):
            continue
        major = bindir.parent.name
        home = home_dir()
        server = EmbeddedServer(
            home=home.with_name(f"{home.name}-pg{major}"),
            binaries=Binaries(bindir, f"system PostgreSQL {major}"),
        )
        try:
            server.start()
        except (ServerError, PgsageError):
            continue
        return ScratchServer(
            server.dsn("postgres"),
            description=f"system PostgreSQL {major} ({bindir}): the embedded server lacks "
            + ", ".join(sorted(needs)),
            needs=needs,
        )
    return None
