"""HTTP Basic in front of the MCP streamable-HTTP app: the users of ``pgsage web``'s store.

Every HTTP request must carry the credentials of a user of the store (bcrypt hashes, the web
app's failed-login limits per user and per address); anything else gets 401 (or 429 after too
many failures) before the SDK's app sees it. A store without users is refused at start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

from pgsage.errors import PgsageError, UsageError
from pgsage.web.auth import Authenticator, TooManyAttempts
from pgsage.web.config import Limit
from pgsage.web.store import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

REALM = 'Basic realm="pgsage mcp", charset="UTF-8"'


def open_authenticator(store_dsn: str) -> Authenticator:
    """The store's authenticator; UsageError when the store cannot be opened or has no user."""
    store = Store(store_dsn, pool_size=2, max_overflow=4)
    try:
        store.migrate()
        users = store.count_users()
    except PgsageError as exc:
        store.dispose()
        raise UsageError(f"--store-dsn: {exc}") from None
    if users == 0:
        store.dispose()
        raise UsageError(
            "the store has no user: add one with `pgsage web --store-dsn ... user add NAME` "
            "before serving MCP over HTTP with authentication"
        )
    # the web app's defaults: 5 failures a minute per user, 20 per address
    return Authenticator(store, Limit(5, 60), Limit(20, 60))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BasicAuth:
    """ASGI middleware: HTTP requests pass only with a store user's Basic credentials."""

    def __init__(self, app: App, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("unknown", 0)
        header = _header(scope, b"authorization")
        try:
            user = await anyio.to_thread.run_sync(self.authenticator.basic, header, str(client[0]))
        except TooManyAttempts as exc:
            retry = str(max(1, int(exc.retry_after))).encode()
            await _respond(send, 429, b"too many failed attempts\n", [(b"retry-after", retry)])
            return
        except PgsageError:
            await _respond(send, 503, b"the user store is unavailable\n", [])
            return
        if user is None:
            await _respond(
                send, 401, b"authentication required\n", [(b"www-authenticate", REALM.encode())]
            )
            return
        await self.app(scope, receive, send)


def serve_http(server: Any, host: str, port: int, authenticator: Authenticator | None) -> None:
    """Serve the MCP server's streamable-HTTP app with uvicorn, behind BasicAuth if given."""
    import uvicorn

    app: Any = server.streamable_http_app(host=host)
    if authenticator is not None:
        app = BasicAuth(app, authenticator)
    uvicorn.run(app, host=host, port=port, log_level="warning")
