"""The FastAPI application: pages (server-rendered) and their JSON twins under ``/api/v1/``.

Every route needs a user unless it is in ``PUBLIC_PATHS`` (or under ``/static/``); the
registration route needs the admin token instead. The check is one middleware, so a route
added later is protected without anyone remembering to protect it (tests/web enumerate the
routes to prove it). Browsers get a session cookie and a CSRF token; API clients HTTP Basic.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from pgsage.db.connect import one_line, scrub_secrets
from pgsage.errors import PgsageError, UsageError
from pgsage.instrument.pool import pool_stats
from pgsage.web import charts, views
from pgsage.web.auth import (
    CSRF_HEADER,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Authenticator,
    Principal,
    TooManyAttempts,
    hash_password,
    token_matches,
)
from pgsage.web.config import Limit, WebConfig
from pgsage.web.scheduler import Scheduler
from pgsage.web.store import Store, User, check_password, check_role, check_username
from pgsage.web.targets import Targets

logger = logging.getLogger("pgsage.web")

PUBLIC_PATHS = frozenset({"/health", "/ready", "/login"})
TOKEN_PATHS = frozenset({"/api/v1/auth/register"})  # the admin registration token instead
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGES = (
    ("overview", "Overview"),
    ("queries", "Queries"),
    ("space", "Space"),
    ("indexes", "Indexes"),
    ("maintenance", "Maintenance"),
    ("activity", "Live activity"),
    ("settings", "Settings & security"),
    ("findings", "All findings"),
)
CHARTS = {
    "query_time": ("Query time per sample (ms, pg_stat_statements deltas)", charts.plain),
    "size": ("Database size", charts.human_bytes),
    "connections": ("Connections", charts.plain),
}


def _package_dir(name: str) -> Path:
    return Path(str(resources.files("pgsage.web").joinpath(name)))


class WebState:
    def __init__(self, config: WebConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.auth = Authenticator(store, config.login_user_limit, config.login_address_limit)
        self.targets = Targets(config)
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "pgsage_web_request_duration_seconds",
            "HTTP request latency of pgsage web, by route template",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.started = time.monotonic()
        self.started_at = datetime.now(UTC)
        self.instrumentation: Any = None
        self.scheduler: Scheduler | None = None
        self.health_pool = ThreadPoolExecutor(max_workers=4)

    def instrument_store(self) -> None:
        from pgsage.instrument.core import instrument
        from pgsage.instrument.metrics import QueryMetrics

        self.instrumentation = instrument(
            self.store.engine,
            metrics=QueryMetrics(self.registry),
            nplusone="log",
            slow_query_ms=1000,
            name="store",
        )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def principal(request: Request) -> Principal:
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None:  # the middleware lets no unauthenticated request through
        raise HTTPException(401, "authentication required")
    return found


def require_admin(request: Request) -> Principal:
    who = principal(request)
    if not who.user.is_admin:
        raise HTTPException(403, "this needs the admin role")
    return who


def too_many(retry_after: float, message: str = "rate limit exceeded, try again later") -> Response:
    seconds = max(1, int(retry_after + 0.999))
    return JSONResponse(
        {"detail": message, "retry_after_s": seconds},
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def create_app(config: WebConfig, store: Store, *, scheduler: bool = False) -> FastAPI:
    state = WebState(config, store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if scheduler and config.collect_interval_s > 0:
            state.scheduler = Scheduler(config, store)
            state.scheduler.start()
        try:
            yield
        finally:
            if state.scheduler is not None:
                state.scheduler.stop()
            state.targets.close()
            store.dispose()
            logger.info("pgsage web stopped: pools closed")

    app = FastAPI(
        title="pgsage web",
        version="1",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: not here
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = state
    state.instrument_store()
    templates = Environment(
        loader=FileSystemLoader(str(_package_dir("templates"))),
        autoescape=select_autoescape(["html"]),
    )
    templates.filters.update(
        bytes=lambda v: "—" if v is None else charts.human_bytes(float(v)),
        pct=lambda v: "—" if v is None else f"{v:.1f} %",
        ratio=lambda v: "—" if v is None else f"{v * 100:.2f} %",
        dt=lambda v: "—" if v is None else f"{v:%Y-%m-%d %H:%M}",
        dur=_duration,
        num=lambda v: "—" if v is None else f"{v:,}",
        ms=lambda v: "—" if v is None else f"{v:,.1f} ms",
    )

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        who: Principal | None = getattr(request.state, "principal", None)
        body = templates.get_template(template).render(
            user=who.user if who else None,
            csrf=who.csrf if who else None,
            pages=PAGES,
            **context,
        )
        return HTMLResponse(body, status_code=status)

    # -- middleware (the last added runs first) ----------------------------------------------
    @app.middleware("http")
    async def authenticate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path in PUBLIC_PATHS or path in TOKEN_PATHS or path.startswith("/static/"):
            return await call_next(request)
        try:
            who = await run_in_threadpool(_identify, state, request)
        except TooManyAttempts as exc:
            return too_many(exc.retry_after, "too many failed logins, try again later")
        except PgsageError as exc:
            logger.error("authentication: %s", scrub_secrets(str(exc)))
            return JSONResponse({"detail": "the store is not reachable"}, status_code=503)
        if who is None:
            if (
                path.startswith("/api/")
                or path == "/metrics"
                or "text/html" not in (request.headers.get("accept") or "")
            ):
                return JSONResponse(
                    {"detail": "authentication required"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="pgsage", charset="UTF-8"'},
                )
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        request.state.principal = who
        if request.method not in SAFE_METHODS and who.method == "session":
            given = request.headers.get(CSRF_HEADER)
            if given is None and (request.headers.get("content-type") or "").startswith(
                "application/x-www-form-urlencoded"
            ):
                form = parse_qs((await request.body()).decode("utf-8", "replace"))
                given = _field(form, "csrf_token")
            if not token_matches(given, who.csrf):
                return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        if _is_tls(request, config):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Admin-Token"],
            max_age=600,
        )

    @app.middleware("http")
    async def timing(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
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
        if seconds * 1000 >= config.slow_request_ms:
            logger.warning("slow request %s %s: %.0f ms", request.method, template, seconds * 1000)
        return response

    # one unit of work per request for pgsage.instrument (N+1 detection on the store's
    # queries, logged); outermost, so the endpoints' threads see the unit
    from pgsage.instrument.middleware import NPlusOneMiddleware

    app.add_middleware(NPlusOneMiddleware, nplusone="log")

    # -- errors: one line, never a secret ----------------------------------------------------
    @app.exception_handler(PgsageError)
    async def pgsage_error(request: Request, exc: PgsageError) -> Response:
        status = 400 if isinstance(exc, UsageError) else 503
        return JSONResponse({"detail": scrub_secrets(one_line(str(exc)))}, status_code=status)

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> Response:
        return too_many(exc.retry_after)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        logger.error("internal error on %s: %s", request.url.path, scrub_secrets(repr(exc)))
        return JSONResponse({"detail": "internal error"}, status_code=500)

    def expensive(request: Request) -> None:
        """The expensive endpoints' limit, per user and route, counted in the store."""
        who = principal(request)
        route = request.scope.get("route")
        key = f"expensive:{getattr(route, 'path', request.url.path)}:{who.user.username}"
        limit: Limit = config.expensive_limit
        hit = store.hit(key, limit.period_s)
        if hit.hits > limit.count:
            raise RateLimited(hit.reset_in_s)

    def target_name(target: str) -> str:
        if target not in config.targets:
            raise HTTPException(404, "no such target")
        return target

    # -- public ------------------------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=str(_package_dir("static"))), name="static")

    @app.get("/health")
    def health() -> JSONResponse:
        return JSONResponse(*_health(state))

    @app.get("/ready")
    def ready() -> JSONResponse:
        try:
            store.ping()
        except PgsageError:
            return JSONResponse({"ready": False, "store": "unreachable"}, status_code=503)
        return JSONResponse({"ready": True})

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = render(
            request, "login.html", next=_safe_next(next), login_csrf=token, error=None
        )
        _set_cookie(response, request, config, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        username = (form.get("username") or [""])[0]
        password = (form.get("password") or [""])[0]
        next_path = _safe_next((form.get("next") or ["/"])[0])
        if not token_matches(_field(form, "csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        try:
            user = await run_in_threadpool(
                state.auth.check_password, username, password, client_address(request)
            )
        except TooManyAttempts as exc:
            return too_many(exc.retry_after, "too many failed logins, try again later")
        if user is None:
            token = secrets.token_urlsafe(24)
            response = render(
                request,
                "login.html",
                status=401,
                next=next_path,
                login_csrf=token,
                error="Wrong user name or password.",
            )
            _set_cookie(response, request, config, LOGIN_CSRF_COOKIE, token, max_age=3600)
            return response
        session_token, _csrf = await run_in_threadpool(
            store.create_session, user.username, config.session_hours
        )
        redirect = RedirectResponse(next_path, status_code=303)
        _set_cookie(
            redirect,
            request,
            config,
            SESSION_COOKIE,
            session_token,
            max_age=int(config.session_hours * 3600),
        )
        redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return redirect

    @app.post("/api/v1/auth/register", status_code=201)
    async def register(request: Request) -> Response:
        """Create a user: needs the admin registration token (``X-Admin-Token``)."""
        address = client_address(request)
        limit = config.register_limit
        current = await run_in_threadpool(store.hits, f"register:{address}", limit.period_s)
        if current.hits >= limit.count:
            return too_many(current.reset_in_s)
        given = request.headers.get("x-admin-token")
        if not given:
            return JSONResponse({"detail": "the X-Admin-Token header is required"}, status_code=401)
        if not token_matches(given, config.admin_token):
            await run_in_threadpool(store.hit, f"register:{address}", limit.period_s)
            return JSONResponse({"detail": "wrong admin token"}, status_code=403)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"detail": "the body must be JSON"}, status_code=422)
        if not isinstance(body, dict):
            return JSONResponse({"detail": "the body must be a JSON object"}, status_code=422)
        username, password = body.get("username"), body.get("password")
        role = body.get("role", "viewer")
        if not (isinstance(username, str) and isinstance(password, str) and isinstance(role, str)):
            return JSONResponse(
                {"detail": "username, password and role are strings"}, status_code=422
            )
        try:
            check_username(username)
            check_password(password)
            check_role(role)
        except UsageError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        hashed = await run_in_threadpool(hash_password, password, config.bcrypt_rounds)
        if not await run_in_threadpool(store.add_user, username, hashed, role):
            return JSONResponse({"detail": "the user exists already"}, status_code=409)
        logger.info("user %s registered with role %s", username, role)
        return JSONResponse({"username": username, "role": role}, status_code=201)

    # -- authenticated -----------------------------------------------------------------------
    @app.post("/logout")
    def logout(request: Request) -> Response:
        who = principal(request)
        if who.session_token:
            store.end_session(who.session_token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(state.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/v1/me")
    def me(request: Request) -> dict[str, Any]:
        who = principal(request)
        return {"username": who.user.username, "role": who.user.role, "auth": who.method}

    @app.get("/api/v1/targets")
    def list_targets() -> dict[str, Any]:
        return {"targets": state.targets.names}

    @app.get("/", response_class=HTMLResponse)
    def index() -> Response:
        return RedirectResponse(f"/t/{quote(state.targets.names[0])}/", status_code=303)

    @app.get("/docs/checks/{check}", response_class=HTMLResponse)
    def check_docs(request: Request, check: str) -> HTMLResponse:
        from pgsage.checks.docs import check_pages

        page = check_pages().get(f"{check}.md")
        if page is None:
            raise HTTPException(404, "no such check")
        return render(
            request, "doc.html", title=check, text=page, target=None, targets=state.targets.names
        )

    # -- target pages: each an HTML page and a JSON twin -------------------------------------
    def build(page: str, target: str) -> Any:
        names = state.targets.names
        if page == "activity":
            live = state.targets.live(target)
            return views.activity(target, names, live, store.actions(100))
        view = state.targets.view(target)
        if page == "overview":
            return views.overview(view, names)
        if page == "maintenance":
            return views.maintenance(view, names)
        if page == "queries":
            return views.queries(view, names)
        if page == "space":
            return views.space(view, names, _growth(store, target))
        return views.findings_page(view, names, page)

    def add_page(page: str, title: str) -> None:
        suffix = "" if page == "overview" else page

        def html(request: Request, target: str = Depends(target_name)) -> HTMLResponse:
            data = build(page, target)
            return render(
                request,
                f"{page if page in _OWN_TEMPLATES else 'findings'}.html",
                page=page,
                page_title=title,
                data=data,
                target=target,
                targets=state.targets.names,
            )

        def api(target: str = Depends(target_name)) -> Any:
            return views.jsonable(build(page, target))

        app.add_api_route(
            f"/t/{{target}}/{suffix}",
            html,
            methods=["GET"],
            response_class=HTMLResponse,
            dependencies=[Depends(expensive)],
            name=f"page_{page}",
        )
        app.add_api_route(
            f"/api/v1/targets/{{target}}/{page}",
            api,
            methods=["GET"],
            dependencies=[Depends(expensive)],
            name=f"api_{page}",
        )

    for page, title in PAGES:
        add_page(page, title)

    @app.get("/t/{target}/charts/{metric}.svg")
    def chart(metric: str, target: str = Depends(target_name)) -> Response:
        if metric not in CHARTS:
            raise HTTPException(404, "no such chart")
        title, fmt = CHARTS[metric]
        series = store.series(target, metric)
        return Response(
            charts.line_chart(title, series, fmt=fmt),
            media_type="image/svg+xml",
            headers={"Cache-Control": "private, max-age=60"},
        )

    @app.get("/api/v1/targets/{target}/history/{metric}")
    def history(metric: str, target: str = Depends(target_name)) -> dict[str, Any]:
        if metric not in CHARTS:
            raise HTTPException(404, "no such series")
        series = store.series(target, metric)
        fit = charts.trend([(t.timestamp(), v) for t, v in series])
        return {
            "metric": metric,
            "points": [{"at": t.isoformat(), "value": v} for t, v in series],
            "trend_per_day": fit.slope * 86400 if fit else None,
        }

    def finding_by_key(target: str, key: str) -> Any:
        view = state.targets.view(target)
        for finding in view.report.findings if view.report else []:
            if views.finding_key(finding) == key:
                return finding
        raise HTTPException(404, "no such finding (the report may have been refreshed)")

    @app.get("/t/{target}/findings/{key}/fix.sql")
    def fix_sql(key: str, target: str = Depends(target_name)) -> Response:
        finding = finding_by_key(target, key)
        if finding.fix is None:
            raise HTTPException(404, "this finding has no fix")
        return Response(
            finding.fix_sql,
            media_type="application/sql",
            headers={"Content-Disposition": f'attachment; filename="{finding.check}-{key}.sql"'},
        )

    @app.get("/t/{target}/findings/{key}/alembic.py")
    def fix_alembic(key: str, target: str = Depends(target_name)) -> Response:
        finding = finding_by_key(target, key)
        if finding.fix is None:
            raise HTTPException(404, "this finding has no fix")
        return Response(
            alembic_revision(finding.check, key, finding.subject(), finding.fix_alembic or ""),
            media_type="text/x-python",
            headers={
                "Content-Disposition": f'attachment; filename="{key}_pgsage_{finding.check.replace("-", "_")}.py"'
            },
        )

    @app.post("/t/{target}/activity/{pid}/{action}")
    async def signal_form(
        request: Request, pid: int, action: str, target: str = Depends(target_name)
    ) -> Response:
        who = require_admin(request)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        if (form.get("confirm") or [""])[0] != "yes":
            raise HTTPException(400, "tick 'confirm' to signal a backend")
        await run_in_threadpool(_signal, state, who.user, target, pid, action)
        return RedirectResponse(f"/t/{quote(target)}/activity", status_code=303)

    @app.post("/api/v1/targets/{target}/activity/{pid}/{action}")
    async def signal_api(
        request: Request, pid: int, action: str, target: str = Depends(target_name)
    ) -> Response:
        who = require_admin(request)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("confirm") is not True:
            raise HTTPException(400, 'send {"confirm": true} to signal a backend')
        ok, detail = await run_in_threadpool(_signal, state, who.user, target, pid, action)
        return JSONResponse({"ok": ok, "detail": detail}, status_code=200 if ok else 409)

    return app


_OWN_TEMPLATES = {"overview", "queries", "space", "maintenance", "activity"}


def _signal(state: WebState, user: User, target: str, pid: int, action: str) -> tuple[bool, str]:
    if action not in ("cancel", "terminate"):
        raise HTTPException(404, "the action is cancel or terminate")
    query = next((s.query for s in state.targets.live(target).sessions if s.pid == pid), None)
    ok, detail = state.targets.signal(target, pid, action)
    state.store.record_action(user.username, target, action, pid, query, ok, detail)
    logger.warning("%s %s pid %d on %s: %s", user.username, action, pid, target, detail)
    return ok, detail


def _identify(state: WebState, request: Request) -> Principal | None:
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


def _health(state: WebState) -> tuple[dict[str, Any], int]:
    store_ok, store_ms = True, 0.0
    started = time.perf_counter()
    try:
        state.store.ping()
        store_ms = (time.perf_counter() - started) * 1000
    except PgsageError:
        store_ok = False
    stats = pool_stats(state.store.engine.pool)
    futures = {
        name: state.health_pool.submit(state.targets.ping, name) for name in state.targets.names
    }
    targets: dict[str, Any] = {}
    for name, future in futures.items():
        try:
            targets[name] = {"ok": True, "ms": round(future.result(timeout=5), 1)}
        except Exception:  # unreachable or too slow: no detail on a public page
            targets[name] = {"ok": False}
    healthy = store_ok and all(t["ok"] for t in targets.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "uptime_s": round(time.monotonic() - state.started, 1),
        "store": {
            "ok": store_ok,
            "ms": round(store_ms, 1),
            "pool": asdict(stats) if stats else None,
        },
        "targets": targets,
    }
    return body, 200 if store_ok else 503


def _growth(store: Store, target: str) -> list[dict[str, Any]]:
    rows = []
    for row in store.table_growth(target):
        span_days = (row["last_at"] - row["first_at"]).total_seconds() / 86400
        per_day = (row["last_bytes"] - row["first_bytes"]) / span_days if span_days > 0 else None
        rows.append({**row, "per_day_bytes": per_day})
    return rows


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _field(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _safe_next(path: str) -> str:
    """Only a local path: no scheme, no host, no ``//`` (an open redirect otherwise)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _is_tls(request: Request, config: WebConfig) -> bool:
    if config.secure_cookies is not None:
        return config.secure_cookies
    return request.url.scheme == "https"


def _set_cookie(
    response: Response, request: Request, config: WebConfig, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_is_tls(request, config),
    )


def alembic_revision(check: str, key: str, subject: str, body: str) -> str:
    """An Alembic revision file around a fix's ``to_alembic()`` upgrade body."""
    subject = " ".join(subject.replace(chr(34) * 3, "").split())
    upgrade = "\n".join("    " + line if line else "" for line in body.splitlines()) or "    pass"
    return f'''"""pgsage: fix for {check} on {subject}

Revision ID: {key[:12]}
Revises: SET ME (your current head: `alembic heads`)
Create Date: {datetime.now(UTC):%Y-%m-%d %H:%M:%S}
"""

from alembic import op

revision = "{key[:12]}"
down_revision = None  # set to your current head before running `alembic upgrade`
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
    # The reverse of this fix is not generated: write it if you need one.
    raise NotImplementedError("pgsage fix {check}: no downgrade")
'''
