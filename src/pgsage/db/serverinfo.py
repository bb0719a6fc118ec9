"""What the server is and what it lets us do: version, privileges, extensions, settings."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg.rows import TupleRow

from pgsage.errors import UnsupportedServer

MIN_SERVER_VERSION = 130000
INTERESTING_EXTENSIONS = ("pg_stat_statements", "hypopg", "vector", "pg_qualstats", "pg_trgm")


@dataclass(frozen=True)
class ServerInfo:
    version_num: int
    version: str
    database: str
    current_user: str
    is_superuser: bool
    has_pg_monitor: bool
    has_read_all_stats: bool
    in_recovery: bool
    # None when the role may not read it (it needs pg_read_all_settings).
    shared_preload_libraries: list[str] | None
    installed_extensions: dict[str, str] = field(default_factory=dict)
    # The extensions the server could install. None: not read, as pg_stat_statements is
    # installed (the one extension whose availability pgsage reports; reading the list parses
    # every extension's control file on the server, on every call of a long-running process).
    available_extensions: list[str] | None = field(default_factory=list)

    @property
    def major(self) -> int:
        return self.version_num // 10000

    @property
    def can_read_all_stats(self) -> bool:
        """Whether other roles' query texts and activity are visible to us."""
        return self.is_superuser or self.has_pg_monitor or self.has_read_all_stats

    def has_extension(self, name: str) -> bool:
        return name in self.installed_extensions

    def extension_available(self, name: str) -> bool:
        return name in self.installed_extensions or name in (self.available_extensions or ())

    def preloaded(self, library: str) -> bool | None:
        """Whether a library is preloaded; None when the setting is not visible to us."""
        if self.shared_preload_libraries is None:
            return None
        return library in self.shared_preload_libraries


_INFO_SQL = """
SELECT pg_catalog.current_setting('server_version_num')::int,
       pg_catalog.current_setting('server_version'),
       pg_catalog.current_database(),
       current_user,
       coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false),
       pg_catalog.pg_has_role(current_user, 'pg_monitor', 'USAGE'),
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
       pg_catalog.pg_is_in_recovery(),
       -- visible where pg_settings shows it (without reading all of pg_settings)
       CASE WHEN pg_catalog.pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')
            THEN pg_catalog.current_setting('shared_preload_libraries') END,
       coalesce((SELECT pg_catalog.json_object_agg(extname, extversion ORDER BY extname)
                 FROM pg_catalog.pg_extension), '{}'::json),
       CASE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_extension
                             WHERE extname = 'pg_stat_statements')
            THEN coalesce((SELECT pg_catalog.json_agg(name ORDER BY name)
                           FROM pg_catalog.pg_available_extensions), '[]'::json) END
"""


def check_supported(version_num: int) -> None:
    if version_num < MIN_SERVER_VERSION:
        major = version_num // 10000 if version_num >= 100000 else version_num / 10000
        raise UnsupportedServer(
            f"PostgreSQL {major:g} is not supported; pgsage needs PostgreSQL 13 or newer"
        )


def fetch_server_info(conn: psycopg.Connection[TupleRow]) -> ServerInfo:
    """Read on an autocommit session: one round trip (the version is among the values)."""
    try:
        row = conn.execute(_INFO_SQL).fetchone()
    except psycopg.Error:
        # A server older than the query: say that, rather than what failed in it.
        check_supported(int(str(conn.execute("SHOW server_version_num").fetchone()[0])))  # type: ignore[index]
        raise
    assert row is not None
    check_supported(row[0])
    preload = (
        None
        if row[8] is None
        else [lib.strip().strip('"') for lib in str(row[8]).split(",") if lib.strip()]
    )
    return ServerInfo(
        version_num=row[0],
        version=row[1],
        database=row[2],
        current_user=row[3],
        is_superuser=row[4],
        has_pg_monitor=row[5],
        has_read_all_stats=row[6],
        in_recovery=row[7],
        shared_preload_libraries=preload,
        installed_extensions=dict(row[9]),
        available_extensions=None if row[10] is None else list(row[10]),
    )
