"""CLI adapters: ``pgsage web`` (serve; ``user add|list|remove|passwd``) and ``pgsage collect``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pgsage.cli.options import ConfigOpt, DsnOpt, build_settings, err

if TYPE_CHECKING:
    from pgsage.web.store import Store

web_app = typer.Typer(
    help="The dashboard and HTTP API (history in a store database).",
    invoke_without_command=True,
)
user_app = typer.Typer(no_args_is_help=True, help="Users of pgsage web (kept in the store).")
web_app.add_typer(user_app, name="user")

TargetOpt = Annotated[
    list[str] | None,
    typer.Option("--target", help="NAME=DSN of a database to serve (repeatable)."),
]
TargetsFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--targets-file",
        help='TOML file with a [targets] table of name = "dsn" entries.',
        show_default=False,
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store-dsn",
        envvar="PGSAGE_STORE_DSN",
        help="The store database (users, sessions, limits, history). Default: a pgsage_store "
        "database on the embedded server; never a monitored database.",
        show_default=False,
    ),
]
PasswordOpt = Annotated[
    str,
    typer.Option(
        "--password",
        envvar="PGSAGE_WEB_PASSWORD",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="The password (prompted when not given; or $PGSAGE_WEB_PASSWORD).",
    ),
]


@web_app.callback()
def web(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8765,
    dsn: DsnOpt = None,
    target: TargetOpt = None,
    targets_file: TargetsFileOpt = None,
    store_dsn: StoreOpt = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="An origin allowed to call the API (repeatable)."),
    ] = None,
    rate_limit: Annotated[
        str, typer.Option("--rate-limit", help="Limit of the expensive endpoints per user.")
    ] = "10/minute",
    login_limit: Annotated[
        str, typer.Option("--login-limit", help="Failed logins allowed per user name.")
    ] = "5/minute",
    login_address_limit: Annotated[
        str, typer.Option("--login-address-limit", help="Failed logins allowed per address.")
    ] = "20/minute",
    collect_interval: Annotated[
        float,
        typer.Option(
            "--collect-interval", min=0, help="Seconds between history samples (0: none)."
        ),
    ] = 300.0,
    query_retention_days: Annotated[
        int, typer.Option("--query-retention-days", min=1, help="Days of query history kept.")
    ] = 30,
    space_retention_days: Annotated[
        int, typer.Option("--space-retention-days", min=1, help="Days of size history kept.")
    ] = 365,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Mark cookies Secure [default: when the request came over TLS, as told by the "
            "proxy's X-Forwarded-Proto]",
            show_default=False,
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option("--forwarded-allow-ips", help="Proxies trusted for X-Forwarded-For/-Proto."),
    ] = "127.0.0.1",
    migrations: Annotated[
        Path | None,
        typer.Option("--migrations", help="Migrations to lint on the Migrations page."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes (each keeps its own cached audit of every target).",
        ),
    ] = 1,
    config: ConfigOpt = None,
) -> None:
    """Serve the dashboard and the HTTP API. Set PGSAGE_ADMIN_TOKEN to allow
    POST /api/v1/auth/register."""
    ctx.obj = {"store_dsn": store_dsn, "config": config}
    if ctx.invoked_subcommand is not None:
        return
    from pgsage.commands import web as web_commands
    from pgsage.web.config import Limit, WebConfig

    settings = build_settings(config, dsn=dsn)
    targets = web_commands.resolve_web_targets(settings, target or [], targets_file)
    store_url = web_commands.resolve_store_dsn(store_dsn)
    web_commands.check_store_apart(store_url, targets)
    store = web_commands.open_store(store_url)
    web_config = WebConfig(
        targets=targets,
        store_dsn=store_url,
        settings=settings,
        host=host,
        port=port,
        admin_token=os.environ.get("PGSAGE_ADMIN_TOKEN") or None,
        cors_origins=tuple(cors_origin or ()),
        expensive_limit=Limit.parse(rate_limit),
        login_user_limit=Limit.parse(login_limit),
        login_address_limit=Limit.parse(login_address_limit),
        collect_interval_s=collect_interval,
        query_retention_days=query_retention_days,
        space_retention_days=space_retention_days,
        secure_cookies=secure_cookies,
        migrations=migrations,
    )
    plan = web_commands.check_listen(web_config, store)
    err.print(
        f"pgsage web on http://{host}:{port} — {len(targets)} target(s): "
        f"{', '.join(targets)}; {plan.users} user(s)",
        highlight=False,
    )
    web_commands.serve(web_config, store, workers=workers, forwarded_allow_ips=forwarded_allow_ips)


def _store(ctx: typer.Context) -> Store:
    from pgsage.commands import web as web_commands

    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    return web_commands.open_store(web_commands.resolve_store_dsn(obj.get("store_dsn")))


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="User name.")],
    password: PasswordOpt,
    role: Annotated[str, typer.Option("--role", help="viewer or admin.")] = "viewer",
) -> None:
    """Add a user (bcrypt hash in the store)."""
    from pgsage.commands import web as web_commands

    store = _store(ctx)
    web_commands.user_add(store, username, password, role)
    typer.echo(f"user {username} added ({role})")


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="User name.")],
    password: PasswordOpt,
) -> None:
    """Change a user's password (ends the user's sessions)."""
    from pgsage.commands import web as web_commands

    web_commands.user_passwd(_store(ctx), username, password)
    typer.echo(f"password of {username} changed")


@user_app.command("remove")
def user_remove(
    ctx: typer.Context, username: Annotated[str, typer.Argument(help="User name.")]
) -> None:
    """Remove a user (and the user's sessions)."""
    from pgsage.commands import web as web_commands

    web_commands.user_remove(_store(ctx), username)
    typer.echo(f"user {username} removed")


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List the users and their roles."""
    from pgsage.commands import web as web_commands

    for user in web_commands.user_list(_store(ctx)):
        created = f"{user.created_at:%Y-%m-%d}" if user.created_at else ""
        typer.echo(f"{user.username}\t{user.role}\t{created}")


def collect(
    dsn: DsnOpt = None,
    target: TargetOpt = None,
    targets_file: TargetsFileOpt = None,
    store_dsn: StoreOpt = None,
    min_gap: Annotated[
        float,
        typer.Option(
            "--min-gap",
            min=0,
            help="Skip a target sampled less than this many seconds ago (by any process).",
        ),
    ] = 0.0,
    query_retention_days: Annotated[
        int, typer.Option("--query-retention-days", min=1, help="Days of query history kept.")
    ] = 30,
    space_retention_days: Annotated[
        int, typer.Option("--space-retention-days", min=1, help="Days of size history kept.")
    ] = 365,
    config: ConfigOpt = None,
) -> None:
    """Record one history sample of each target into the store (for cron)."""
    from pgsage.commands import collect as collect_commands
    from pgsage.commands import web as web_commands

    settings = build_settings(config, dsn=dsn)
    targets = web_commands.resolve_web_targets(settings, target or [], targets_file)
    store_url = web_commands.resolve_store_dsn(store_dsn)
    web_commands.check_store_apart(store_url, targets)
    store = web_commands.open_store(store_url)
    try:
        results = collect_commands.collect(
            store,
            targets,
            settings,
            collect_commands.CollectOptions(
                min_gap_s=min_gap,
                query_retention_days=query_retention_days,
                space_retention_days=space_retention_days,
            ),
        )
    finally:
        store.dispose()
    failed = 0
    for result in results:
        detail = f" ({result.detail})" if result.detail else ""
        typer.echo(
            f"{result.target}: {result.status}{detail}; {result.statements} statement deltas, "
            f"{result.findings} findings, {result.tables} table sizes"
        )
        failed += result.status == "failed"
    if failed:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.add_typer(web_app, name="web")
    app.command("collect")(collect)
