"""Operations: /health and /ready (public), /metrics (needs a user)."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import psycopg
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from pgsage.errors import PgsageError
from pgsage.instrument.pool import pool_stats
from pgsage.web.deps import State
from pgsage.web.state import WebState

router = APIRouter()


def _store_health(state: WebState) -> dict[str, Any]:
    ok, ms = True, 0.0
    started = time.perf_counter()
    try:
        state.store.ping()
        ms = (time.perf_counter() - started) * 1000
    except PgsageError:
        ok = False
    stats = pool_stats(state.store.engine.pool)
    return {"ok": ok, "ms": round(ms, 1), "pool": asdict(stats) if stats else None}


def _ping(state: WebState, name: str) -> float | None:
    """The round trip in ms, or None when unreachable; one ping per target per
    ``live_ttl_s`` however many probes ask."""

    def ping() -> float | None:
        try:
            return state.targets.ping(name)
        except (PgsageError, psycopg.Error):
            return None

    return state.pings.get(name, ping).value


def _targets_health(state: WebState) -> dict[str, Any]:
    futures = {name: state.health_pool.submit(_ping, state, name) for name in state.targets.names}
    targets: dict[str, Any] = {}
    for name, future in futures.items():
        try:
            ms = future.result(timeout=5)
        except Exception:  # too slow: no detail on a public page
            ms = None
        targets[name] = {"ok": False} if ms is None else {"ok": True, "ms": round(ms, 1)}
    return targets


def health_of(state: WebState) -> tuple[dict[str, Any], int]:
    store = _store_health(state)
    targets = _targets_health(state)
    healthy = store["ok"] and all(t["ok"] for t in targets.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "uptime_s": round(time.monotonic() - state.started, 1),
        "store": store,
        "targets": targets,
    }
    return body, 200 if store["ok"] else 503


@router.get("/health", responses={503: {}})
def health(state: State) -> JSONResponse:
    return JSONResponse(*health_of(state))


@router.get("/ready", responses={503: {}})
def ready(state: State) -> JSONResponse:
    try:
        state.store.ping()
    except PgsageError:
        return JSONResponse({"ready": False, "store": "unreachable"}, status_code=503)
    return JSONResponse({"ready": True})


@router.get("/metrics", response_class=Response)
def metrics(state: State) -> Response:
    return Response(generate_latest(state.registry), media_type=CONTENT_TYPE_LATEST)
