"""The embedded default server: start, stop, status and a DSN for a database on it."""

from __future__ import annotations

from pgsage.db.embedded import EmbeddedServer


def server_start() -> EmbeddedServer:
    server = EmbeddedServer()
    server.start()
    return server


def server_stop() -> bool:
    return EmbeddedServer().stop()


def server_status() -> dict[str, str | int | bool | None]:
    return EmbeddedServer().status()


def server_dsn(database: str | None = None) -> str:
    server = server_start()
    return server.ensure_database(database) if database else server.dsn()
