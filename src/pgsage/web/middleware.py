"""The middleware: authentication (every route needs a user unless it is public, so a route
added later is protected without anyone remembering to protect it), security headers, CORS,
request timing, and one unit of work per request for pgsage.instrument."""

from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pgsage.db.connect import scrub_secrets
from pgsage.errors import PgsageError
from pgsage.web.auth import SESSION_COOKIE, Principal, TooManyAttempts
from pgsage.web.state import WebState, client_address, is_tls, logger, too_many
from pgsage.web.store import User

PUBLIC_PATHS = frozenset({"/health", "/ready", "/login"})
TOKEN_PATHS = frozenset({"/api/v1/auth/register"})  # the admin registration token instead
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def identify(state: WebState, request: Request) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        session = state.store.session(token)
        if session is not None:
            return Principal(User(session.username, session.role), "session", session.csrf, token)
    header = request.headers.get("authorization")
    if header:
        user = state.auth.basic(header, client_address(request))
        if user is not None:
            return Principal(user, "basic")
    return None


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path in TOKEN_PATHS or path.startswith("/static/")


def _unauthenticated(request: Request) -> Response:
    path = request.url.path
    wants_html = "text/html" in (request.headers.get("accept") or "")
    if path.startswith("/api/") or path == "/metrics" or not wants_html:
        return JSONResponse(
            {"detail": "authentication required"},
            status_code=401,
            headers={"WWW-Authenticate": 'Basic realm="pgsage", charset="UTF-8"'},
        )
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


async def _principal(state: WebState, request: Request) -> Principal | None:
    """Who is asking: a Basic credential verified a moment ago is known without a thread
    hop or a store round trip; anything else is looked up in the store (in a thread)."""
    header = request.headers.get("authorization")
    if header and not request.cookies.get(SESSION_COOKIE):
        user = state.auth.known(header)
        if user is not None:
            return Principal(user, "basic")
    return await run_in_threadpool(identify, state, request)


class Guard:
    """Authentication (every non-public path needs a user) and the security headers on every
    answer, as plain ASGI: no per-request task group, which matters at hundreds of requests
    a second on one core."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        tls = is_tls(request, self.state.config)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Cache-Control", "no-store")
                if tls:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        refusal = None if _is_public(request.url.path) else await self._admit(request)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    async def _admit(self, request: Request) -> Response | None:
        """None when the request may go on (its principal set), else the answer."""
        try:
            who = await _principal(self.state, request)
        except TooManyAttempts as exc:
            return too_many(exc.retry_after, "too many failed logins, try again later")
        except PgsageError as exc:
            logger.error("authentication: %s", scrub_secrets(str(exc)))
            return JSONResponse({"detail": "the store is not reachable"}, status_code=503)
        if who is None:
            return _unauthenticated(request)
        request.state.principal = who
        return None


class Timing:
    """Request latency per route template (the /metrics histogram) and the slow-request log."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._observe(scope, status[0], time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        path = str(scope.get("path", ""))
        template = getattr(route, "path", None) or (
            "/static" if path.startswith("/static/") else "unmatched"
        )
        method = str(scope.get("method", ""))
        self.state.request_seconds.labels(method, template, str(status)).observe(seconds)
        if seconds * 1000 >= self.state.config.slow_request_ms:
            logger.warning("slow request %s %s: %.0f ms", method, template, seconds * 1000)


def install(app: FastAPI, state: WebState) -> None:
    """The middleware, in order (the last added runs first)."""
    app.add_middleware(Guard, state=state)
    if state.config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(state.config.cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Admin-Token"],
            max_age=600,
        )
    app.add_middleware(Timing, state=state)
    # one unit of work per request for pgsage.instrument (N+1 detection on the store's
    # queries, logged); outermost, so the endpoints' threads see the unit
    from pgsage.instrument.middleware import NPlusOneMiddleware

    app.add_middleware(NPlusOneMiddleware, nplusone="log")
