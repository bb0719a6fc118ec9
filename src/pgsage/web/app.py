"""The FastAPI application: routers per area (auth, pages, api, actions, ops) over one
shared state, the middleware (authentication, security headers, CORS, timing) and the error
handlers (one line, never a secret).

Every route needs a user unless it is in ``PUBLIC_PATHS`` (or under ``/static/``); the
registration route needs the admin token instead. The check is one middleware, so a route
added later is protected without anyone remembering to protect it (tests/web enumerate the
routes to prove it). Browsers get a session cookie and a CSRF token (an app-wide dependency);
API clients HTTP Basic.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from pgsage.db.connect import one_line, scrub_secrets
from pgsage.errors import PgsageError, UsageError
from pgsage.web import (
    middleware,
    routes_actions,
    routes_api,
    routes_auth,
    routes_ops,
    routes_pages,
    routes_query,
)
from pgsage.web.config import WebConfig
from pgsage.web.deps import csrf_protect
from pgsage.web.middleware import CSP, PUBLIC_PATHS, TOKEN_PATHS
from pgsage.web.routes_actions import alembic_revision
from pgsage.web.scheduler import Scheduler
from pgsage.web.state import PAGES, RateLimited, WebState, logger, package_dir, too_many
from pgsage.web.store import Store

__all__ = [
    "CSP",
    "PAGES",
    "PUBLIC_PATHS",
    "TOKEN_PATHS",
    "alembic_revision",
    "create_app",
]


def _lifespan(
    state: WebState, scheduler: bool, warm: bool
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            state.targets.warm()
        if scheduler and state.config.collect_interval_s > 0:
            state.scheduler = Scheduler(state.config, state.store, state.targets.audit_and_keep)
            state.scheduler.start()
        try:
            yield
        finally:
            if state.scheduler is not None:
                state.scheduler.stop()
            state.targets.close()
            for cache in (state.advice, state.whatif, state.lints):
                cache.close()
            state.samples.close()
            state.store.dispose()
            logger.info("pgsage web stopped: pools closed")

    return lifespan


async def _pgsage_error(request: Request, exc: Exception) -> Response:
    status = 400 if isinstance(exc, UsageError) else 503
    return JSONResponse({"detail": scrub_secrets(one_line(str(exc)))}, status_code=status)


async def _rate_limited(request: Request, exc: Exception) -> Response:
    return too_many(exc.retry_after if isinstance(exc, RateLimited) else 60.0)


async def _internal(request: Request, exc: Exception) -> Response:
    logger.error("internal error on %s: %s", request.url.path, scrub_secrets(repr(exc)))
    return JSONResponse({"detail": "internal error"}, status_code=500)


def create_app(config: WebConfig, store: Store, *, scheduler: bool = False) -> FastAPI:
    state = WebState(config, store)

    app = FastAPI(
        title="pgsage web",
        version="1",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: not here
        redoc_url=None,
        lifespan=_lifespan(state, scheduler, warm=scheduler),
        dependencies=[Depends(csrf_protect)],
    )
    app.state.web = state
    state.instrument_store()
    middleware.install(app, state)
    app.add_exception_handler(PgsageError, _pgsage_error)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(Exception, _internal)
    app.mount("/static", StaticFiles(directory=str(package_dir("static"))), name="static")
    for module in (
        routes_ops,
        routes_auth,
        routes_query,
        routes_pages,
        routes_api,
        routes_actions,
    ):
        app.include_router(module.router)
    return app
