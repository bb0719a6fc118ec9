"""The middleware: authentication (every route needs a user unless it is public, so a route
added later is protected without anyone remembering to protect it), security headers, CORS,
request timing, and one unit of work per request for pgsage.instrument."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

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
Next = Callable[[Request], Awaitable[Response]]


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


def _authenticator(state: WebState) -> Callable[[Request, Next], Awaitable[Response]]:
    async def authenticate(request: Request, call_next: Next) -> Response:
        if _is_public(request.url.path):
            return await call_next(request)
        try:
            who = await run_in_threadpool(identify, state, request)
        except TooManyAttempts as exc:
            return too_many(exc.retry_after, "too many failed logins, try again later")
        except PgsageError as exc:
            logger.error("authentication: %s", scrub_secrets(str(exc)))
            return JSONResponse({"detail": "the store is not reachable"}, status_code=503)
        if who is None:
            return _unauthenticated(request)
        request.state.principal = who
        return await call_next(request)

    return authenticate


def _header_setter(state: WebState) -> Callable[[Request, Next], Awaitable[Response]]:
    async def security_headers(request: Request, call_next: Next) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        if is_tls(request, state.config):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    return security_headers


def _timer(state: WebState) -> Callable[[Request, Next], Awaitable[Response]]:
    async def timing(request: Request, call_next: Next) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        seconds = time.perf_counter() - started
        route = request.scope.get("route")
        template = getattr(route, "path", None) or (
            "/static" if request.url.path.startswith("/static/") else "unmatched"
        )
        state.request_seconds.labels(request.method, template, str(response.status_code)).observe(
            seconds
        )
        if seconds * 1000 >= state.config.slow_request_ms:
            logger.warning("slow request %s %s: %.0f ms", request.method, template, seconds * 1000)
        return response

    return timing


def install(app: FastAPI, state: WebState) -> None:
    """The middleware, in order (the last added runs first)."""
    app.middleware("http")(_authenticator(state))
    app.middleware("http")(_header_setter(state))
    if state.config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(state.config.cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Admin-Token"],
            max_age=600,
        )
    app.middleware("http")(_timer(state))
    # one unit of work per request for pgsage.instrument (N+1 detection on the store's
    # queries, logged); outermost, so the endpoints' threads see the unit
    from pgsage.instrument.middleware import NPlusOneMiddleware

    app.add_middleware(NPlusOneMiddleware, nplusone="log")
