"""What every router shares: the process's state (config, store, targets, metrics), the
templates, and the small HTTP helpers (cookies, 429 answers, safe redirects)."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import CollectorRegistry, Histogram

from pgsage.advise.samplestore import SampleStore
from pgsage.web import charts
from pgsage.web.advisor import AdvisorRun, TtlCache
from pgsage.web.auth import Authenticator, Principal
from pgsage.web.config import WebConfig
from pgsage.web.scheduler import Scheduler
from pgsage.web.singleflight import SingleFlight
from pgsage.web.store import Store
from pgsage.web.targets import Targets

logger = logging.getLogger("pgsage.web")

PAGES = (
    ("overview", "Overview"),
    ("queries", "Queries"),
    ("space", "Space"),
    ("indexes", "Indexes"),
    ("maintenance", "Maintenance"),
    ("activity", "Live activity"),
    ("advisor", "Advisor"),
    ("migrations", "Migrations"),
    ("settings", "Settings & security"),
    ("findings", "All findings"),
)
# the pages that make the target (or the linter) work on request, limited per user and route;
# the others are served from the cached snapshot and the store
EXPENSIVE_PAGES = frozenset({"advisor", "migrations"})


def package_dir(name: str) -> Path:
    return Path(str(resources.files("pgsage.web").joinpath(name)))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for limit, unit, div in ((60, "s", 1), (3600, "min", 60), (86400, "h", 3600)):
        if seconds < limit:
            return f"{seconds / div:.1f} {unit}"
    return f"{seconds / 86400:.1f} d"


def days(value: float | None) -> str:
    if value is None:
        return "—"
    if value > 3650:
        return "> 10 years"
    return f"{value:,.0f} days" if value >= 2 else f"{value * 24:.1f} hours"


def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(package_dir("templates"))),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,  # the package's templates do not change under a running server
    )
    env.filters.update(
        bytes=lambda v: "—" if v is None else charts.human_bytes(float(v)),
        pct=lambda v: "—" if v is None else f"{v:.1f} %",
        ratio=lambda v: "—" if v is None else f"{v * 100:.2f} %",
        dt=lambda v: "—" if v is None else f"{v:%Y-%m-%d %H:%M}",
        dur=duration,
        days=days,
        num=lambda v: "—" if v is None else f"{v:,}",
        ms=lambda v: "—" if v is None else f"{v:,.1f} ms",
    )
    return env


class WebState:
    def __init__(self, config: WebConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.auth = Authenticator(store, config.login_user_limit, config.login_address_limit)
        self.targets = Targets(config)
        self.templates = _templates()
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
        self.advice: TtlCache[AdvisorRun] = TtlCache(config.advisor_ttl_s)
        self.whatif: TtlCache[AdvisorRun] = TtlCache(config.advisor_ttl_s)
        self.lints: TtlCache[AdvisorRun] = TtlCache(60.0)
        # the advisor's sampled copies kept between runs (dropped when the app stops)
        self.samples = SampleStore()
        self.pages: SingleFlight[Any] = SingleFlight(config.page_ttl_s)
        # renderings of a cached page model, keyed by it: they live as long as it does
        self.renders: SingleFlight[Any] = SingleFlight(float("inf"), max_keys=128)
        self.live: SingleFlight[Any] = SingleFlight(config.live_ttl_s)
        self.pings: SingleFlight[float | None] = SingleFlight(config.live_ttl_s)

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

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        return HTMLResponse(self.render_text(request, template, **context), status_code=status)

    def render_text(self, request: Request, template: str, **context: Any) -> str:
        who = principal_of(request)
        return self.templates.get_template(template).render(
            user=who.user if who else None,
            csrf=who.csrf if who else None,
            pages=PAGES,
            live_ttl=f"{self.config.live_ttl_s:g}",
            **context,
        )


def principal_of(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, "principal", None)
    return found


def viewer_key(request: Request) -> tuple[str, str, str | None] | None:
    """What a page's HTML depends on besides its data: who sees it (name, role, CSRF token)."""
    who = principal_of(request)
    return (who.user.username, who.user.role, who.csrf) if who else None


async def web_state(request: Request) -> WebState:
    """The process's state (a FastAPI dependency)."""
    state: WebState = request.app.state.web
    return state


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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


def form_field(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def safe_next(path: str) -> str:
    """Only a local path: no scheme, no host, no ``//`` (an open redirect otherwise)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def is_tls(request: Request, config: WebConfig) -> bool:
    if config.secure_cookies is not None:
        return config.secure_cookies
    return request.url.scheme == "https"


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    max_age: int


def set_cookie(response: Response, request: Request, config: WebConfig, cookie: Cookie) -> None:
    response.set_cookie(
        cookie.name,
        cookie.value,
        max_age=cookie.max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_tls(request, config),
    )
