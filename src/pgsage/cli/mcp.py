"""``pgsage mcp``: the Typer adapter that starts the MCP server (stdio or streamable HTTP)."""

from __future__ import annotations

import ipaddress
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pgsage.errors import UsageError

if TYPE_CHECKING:
    from pgsage.mcp.safesql import SqlPolicy
    from pgsage.mcp.tools import ServerConfig


class Transport(StrEnum):
    stdio = "stdio"
    http = "http"


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp_command)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mcp_command(
    dsn: Annotated[
        str | None,
        typer.Option(
            "--dsn",
            help="The default database. Default: $DATABASE_URL, else the embedded server.",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option("--target", help="Another database as NAME=DSN (repeatable)."),
    ] = None,
    targets_file: Annotated[
        Path | None,
        typer.Option(
            "--targets-file", help='TOML file with a targets table of name = "dsn" entries.'
        ),
    ] = None,
    transport: Annotated[
        Transport, typer.Option("--transport", help="stdio (default) or streamable HTTP.")
    ] = Transport.stdio,
    host: Annotated[str, typer.Option("--host", help="HTTP: the address to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="HTTP: the port.")] = 8765,
    store_dsn: Annotated[
        str | None,
        typer.Option(
            "--store-dsn",
            envvar="PGSAGE_STORE_DSN",
            help="HTTP: require HTTP Basic with the users of this store (`pgsage web user "
            "add`); needed to listen on a non-loopback --host.",
            show_default=False,
        ),
    ] = None,
    require_auth: Annotated[
        bool,
        typer.Option(
            "--require-auth",
            help="HTTP: require HTTP Basic on loopback too (the store: --store-dsn, else the "
            "embedded server's pgsage_store).",
        ),
    ] = False,
    allow_analyze: Annotated[
        bool,
        typer.Option(
            "--allow-analyze",
            help="Let explain run EXPLAIN ANALYZE (the SELECT runs, read-only, rolled back).",
        ),
    ] = False,
    allow_function: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-function",
            help="Allow a volatile function that only reads (name or schema.name; "
            "repeatable). Functions touching files, sessions, locks, settings or sequences "
            "stay refused.",
        ),
    ] = None,
    statement_timeout: Annotated[
        int, typer.Option("--statement-timeout", min=1, help="statement_timeout in ms.")
    ] = 10_000,
    lock_timeout: Annotated[
        int, typer.Option("--lock-timeout", min=1, help="lock_timeout in ms.")
    ] = 1_000,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=1, help="run_sql: at most this many rows.")
    ] = 500,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1024, help="run_sql: at most this many bytes.")
    ] = 512 * 1024,
    root: Annotated[
        list[Path] | None,
        typer.Option(
            "--root",
            help="A folder the path-taking tools may read (repeatable) [default: the working "
            "directory]",
            show_default=False,
        ),
    ] = None,
    scratch_dsn: Annotated[
        str | None,
        typer.Option(
            "--scratch-dsn",
            help="check_migrations, and advise_indexes' sampled copies (GIN and other kinds "
            "HypoPG cannot simulate): a server where pgsage may create scratch databases "
            "[default: the embedded server]",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="pyproject.toml with [tool.pgsage].", show_default=False),
    ] = None,
) -> None:
    """Serve pgsage's tools to MCP clients (Claude Code, Claude Desktop, Cursor...):
    read-only by construction, one statement per call, server-side timeouts."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise UsageError(
            "the MCP server needs the mcp package: pip install 'pgsage[mcp]'"
        ) from None
    from pgsage.cli.options import build_settings
    from pgsage.commands.targets import resolve_targets
    from pgsage.db.connect import validate_dsn
    from pgsage.mcp.safesql import SqlPolicy
    from pgsage.mcp.tools import ServerConfig

    auth_store = http_auth_store(transport, host, store_dsn, require_auth)
    if scratch_dsn:
        validate_dsn(scratch_dsn)
    settings = build_settings(config, dsn=dsn)
    targets = resolve_targets(settings.dsn, target or [], targets_file)
    policy = SqlPolicy(
        statement_timeout_ms=statement_timeout,
        lock_timeout_ms=lock_timeout,
        max_rows=max_rows,
        max_bytes=max_bytes,
        allow_analyze=allow_analyze,
        allowed_functions=frozenset(allow_function or ()),
    )
    roots = tuple(p.resolve() for p in root or [Path.cwd()])
    for folder in roots:
        if not folder.is_dir():
            raise UsageError(f"--root {folder} is not a folder")
    from pgsage.advise.samplestore import SampleStore
    from pgsage.db.pool import SessionPool

    # The server keeps its sessions on the targets between calls (reset after each: db/pool.py),
    # and the advisor's sampled copies (dropped when it stops: advise/samplestore.py).
    pool = SessionPool()
    samples = SampleStore()
    for target_dsn in targets.values():
        pool.serve(target_dsn)
    server_config = ServerConfig(
        targets=targets,
        policy=policy,
        settings=settings,
        roots=roots,
        scratch_dsn=scratch_dsn,
        sessions=pool,
        samples=samples,
    )
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="pgsage mcp: %(message)s")
    log = logging.getLogger("pgsage.mcp")
    pool.install()
    try:
        _serve(server_config, targets, policy, transport, host, port, auth_store, log)
    finally:
        pool.close()
        samples.close()


def _serve(
    server_config: ServerConfig,
    targets: dict[str, str],
    policy: SqlPolicy,
    transport: Transport,
    host: str,
    port: int,
    auth_store: str | None,
    log: logging.Logger,
) -> None:
    from pgsage.db.connect import redact
    from pgsage.mcp.safesql import role_check
    from pgsage.mcp.server import build_server

    for name, target_dsn in targets.items():
        try:
            checked = role_check(target_dsn, policy)
        except Exception as exc:  # a target that is down at start-up may come up later
            log.warning("target %s (%s): %s", name, redact(target_dsn), exc)
            continue
        for warning in checked.warnings:
            log.warning("target %s: %s", name, warning)
    authenticator = None
    if auth_store is not None:
        from pgsage.mcp.http_auth import open_authenticator

        authenticator = open_authenticator(auth_store)
    server = build_server(server_config)
    if transport is Transport.stdio:
        server.run("stdio")
    else:
        from pgsage.mcp.http_auth import serve_http

        serve_http(server, host, port, authenticator)


def http_auth_store(
    transport: Transport, host: str, store_dsn: str | None, require_auth: bool
) -> str | None:
    """The store whose users HTTP Basic checks, or None (stdio, or HTTP on loopback without
    --require-auth). A non-loopback host needs --store-dsn."""
    if transport is Transport.stdio:
        if store_dsn or require_auth:
            raise UsageError("--store-dsn and --require-auth apply to --transport http")
        return None
    if not is_loopback(host) and not store_dsn:
        raise UsageError(
            f"--host {host} is not a loopback address: give --store-dsn (a store with users, "
            "`pgsage web user add`) so that every request needs HTTP Basic, or listen on "
            "127.0.0.1"
        )
    if not (store_dsn or require_auth):
        return None
    from pgsage.commands.web import resolve_store_dsn

    return resolve_store_dsn(store_dsn)
