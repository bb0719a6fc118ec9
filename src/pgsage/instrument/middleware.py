"""A unit of work per HTTP request, as plain ASGI middleware (FastAPI, Starlette, any ASGI app).

Plain ASGI rather than Starlette's BaseHTTPMiddleware: the endpoint runs in the task that set
the ContextVar, so the unit is visible to it (and to sync endpoints, which Starlette runs in a
thread with a copy of the context). The unit is named "METHOD /route/{template}" once routing
has happened, so reports group by endpoint rather than by URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pgsage.instrument.unit import INHERIT, Inherit, Mode, Unit, dispatch

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _unit_name(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get("path", "?")
    return f"{scope.get('method', 'HTTP')} {path}"


def _header(scope: Scope, wanted: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")[:128]
    return None


class NPlusOneMiddleware:
    """``app.add_middleware(NPlusOneMiddleware)``: N+1 detection and an optional query budget
    per request. The request id comes from ``X-Request-ID`` when the client sends one.

    In ``"raise"`` mode (tests, development) the error is raised when the request ends, after
    the endpoint ran; use "warn" or "log" in production.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        nplusone: Mode | Inherit | None = INHERIT,
        threshold: int | None = None,
        min_total_ms: float | None = None,
        max_queries: int | None = None,
        request_id_header: str = "x-request-id",
    ) -> None:
        self.app = app
        self.nplusone = nplusone
        self.threshold = threshold
        self.min_total_ms = min_total_ms
        self.max_queries = max_queries
        self.request_id_header = request_id_header.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, self.request_id_header) or uuid.uuid4().hex[:16]
        unit = Unit(
            _unit_name(scope),
            nplusone=self.nplusone,
            threshold=self.threshold,
            min_total_ms=self.min_total_ms,
            max_queries=self.max_queries,
            request_id=request_id,
        )
        unit.activate()
        failed = True
        try:
            await self.app(scope, receive, send)
            failed = False
        finally:
            unit.deactivate()
            unit.name = _unit_name(scope)
            report, mode = unit.report()
            if report.has_problems:
                dispatch(unit, report, mode, body_failed=failed)
