"""``pgsage web`` and ``pgsage collect`` as command functions: resolve the targets and the
store, manage users, serve the app. Nothing here prints or exits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgsage.commands.targets import resolve_targets
from pgsage.db.connect import DEFAULT_TARGET, validate_dsn
from pgsage.errors import UsageError
from pgsage.settings import Settings
from pgsage.web.config import WebConfig, is_loopback
from pgsage.web.store import Store, User, check_password, check_role, check_username, same_database

STORE_DATABASE = "pgsage_store"  # on the embedded server, beside (never inside) its pgsage database


def resolve_web_targets(
    settings: Settings, target_values: list[str], targets_file: Path | None = None
) -> dict[str, str]:
    """``--target``s and ``--dsn``; with neither, the embedded server as ``default``."""
    targets = resolve_targets(settings.dsn, target_values, targets_file)
    if not targets:
        from pgsage.commands.audit import resolve_dsn

        targets = {DEFAULT_TARGET: resolve_dsn(settings)}
    return targets


def resolve_store_dsn(store_dsn: str | None) -> str:
    """The given store DSN, else a ``pgsage_store`` database on the embedded server."""
    if store_dsn:
        validate_dsn(store_dsn)
        return store_dsn
    from pgsage.commands.server import server_start

    return server_start().ensure_database(STORE_DATABASE)


def check_store_apart(store_dsn: str, targets: dict[str, str]) -> None:
    """History is never written into a monitored database."""
    for name, dsn in targets.items():
        if same_database(store_dsn, dsn):
            raise UsageError(
                f"the store database is the database of target {name}: give --store-dsn a "
                "database of its own (history never goes into a monitored database)"
            )


def open_store(store_dsn: str) -> Store:
    store = Store(store_dsn)
    store.migrate()
    return store


# -- users -----------------------------------------------------------------------------------
def user_add(store: Store, username: str, password: str, role: str, rounds: int = 12) -> None:
    from pgsage.web.auth import hash_password

    check_username(username)
    check_password(password)
    check_role(role)
    if not store.add_user(username, hash_password(password, rounds), role):
        raise UsageError(f"user {username} exists already (use `pgsage web user passwd`)")


def user_passwd(store: Store, username: str, password: str, rounds: int = 12) -> None:
    from pgsage.web.auth import hash_password

    check_password(password)
    if not store.set_password(username, hash_password(password, rounds)):
        raise UsageError(f"no user {username}")


def user_remove(store: Store, username: str) -> None:
    if not store.remove_user(username):
        raise UsageError(f"no user {username}")


def user_list(store: Store) -> list[User]:
    return store.list_users()


# -- serving ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServePlan:
    config: WebConfig
    users: int


def check_listen(config: WebConfig, store: Store) -> ServePlan:
    """Refuse a non-loopback address while the store has no user."""
    users = store.count_users()
    if users == 0 and not is_loopback(config.host):
        raise UsageError(
            f"refusing to listen on {config.host} while no user exists: add one with "
            "`pgsage web user add NAME --role admin` (or listen on 127.0.0.1)"
        )
    return ServePlan(config, users)


def serve(config: WebConfig, store: Store, workers: int = 1, **uvicorn_options: Any) -> None:
    """Run the app until SIGTERM/SIGINT: in-flight requests finish (30 s at most), then the
    scheduler stops and the pools close. ``workers`` > 1: that many processes (each with its
    own cached audit of every target), for a machine with as many cores."""
    import uvicorn

    from pgsage.web.app import create_app

    check_listen(config, store)
    options: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "proxy_headers": True,
        "timeout_graceful_shutdown": 30,
        "server_header": False,
        "log_level": "info",
        **uvicorn_options,
    }
    if workers <= 1:
        uvicorn.run(create_app(config, store, scheduler=True), **options)
        return
    from pgsage.web import worker

    store.dispose()  # each worker opens its own
    with worker.config_file(config) as path:
        os.environ[worker.CONFIG_ENV] = str(path)
        uvicorn.run("pgsage.web.worker:create_worker_app", factory=True, workers=workers, **options)
