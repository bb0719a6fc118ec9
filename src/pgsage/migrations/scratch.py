"""Throwaway databases: created for one run and dropped after it, never the user's database.

By default they live on the embedded server. With ``--dsn`` the DSN names a server (and a
database to connect to for CREATE/DROP DATABASE); pgsage creates ``pgsage_scratch_*`` databases
there and drops them again, so the database in the DSN itself is never written to.
"""

from __future__ import annotations

import itertools
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import conninfo, sql

from pgsage.db.connect import one_line, validate_dsn
from pgsage.db.scratchmark import mark, sweep
from pgsage.errors import ConnectionFailed, MissingPrivilege, PgsageError

SCRATCH_PREFIX = "pgsage_scratch"
_counter = itertools.count(1)


@dataclass(frozen=True)
class ScratchServer:
    """Where scratch databases are made: an admin DSN (any database of that server)."""

    admin_dsn: str

    @classmethod
    def choose(cls, dsn: str | None) -> ScratchServer:
        if dsn is not None:
            validate_dsn(dsn)
            return cls(dsn)
        from pgsage.db.embedded import EmbeddedServer  # starts a server: only when needed

        server = EmbeddedServer()
        server.start()
        return cls(server.dsn("postgres"))

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
        name = f"{SCRATCH_PREFIX}_{purpose}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(3)}"
        # The drop is in the same try as the creation: an interrupt (SIGINT, SIGTERM) that lands
        # between CREATE DATABASE and the block still drops it (IF EXISTS: the name is ours).
        try:
            self._create(name)
            yield self.dsn_for(name)
        finally:
            # while another error unwinds, a failing drop must not hide it (the sweep of a
            # later run removes what is left, by its mark)
            self._drop(name, quiet=sys.exc_info()[0] is not None)

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
