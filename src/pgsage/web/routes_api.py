"""The JSON API: each page's twin under /api/v1/targets/NAME/, the targets, the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel

from pgsage.web import charts
from pgsage.web.deps import PageNumber, ReachGB, State, Target, expensive
from pgsage.web.pagedata import built, json_bytes, model_of, rendered
from pgsage.web.routes_pages import CHARTS, Metric
from pgsage.web.state import EXPENSIVE_PAGES, PAGES

router = APIRouter(prefix="/api/v1")
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no credentials"},
    404: {"description": "no such target"},
    429: {"description": "rate limited (Retry-After)"},
    503: {"description": "the store or the target is not reachable"},
}


class Targets(BaseModel):
    targets: list[str]


class Point(BaseModel):
    at: datetime
    value: float


class History(BaseModel):
    metric: str
    points: list[Point]
    trend_per_day: float | None


@router.get("/targets", response_model=Targets)
def list_targets(state: State) -> Targets:
    return Targets(targets=state.targets.names)


def _add_api(page: str) -> None:
    def api(target: Target, state: State, reach_gb: ReachGB = None, number: PageNumber = 1) -> Any:
        made = built(state, page, target, reach_gb * 2**30 if reach_gb else None, number)
        # the bytes are made once per page model (declared as response_model for the schema)
        body = rendered(state, made, "json", lambda: json_bytes(page, made.model))
        return Response(body, media_type="application/json")

    router.add_api_route(
        f"/targets/{{target}}/{page}",
        api,
        methods=["GET"],
        dependencies=[Depends(expensive)] if page in EXPENSIVE_PAGES else [],
        name=f"api_{page}",
        response_model=model_of(page),
        responses=ERRORS,
    )


for _page, _title in PAGES:
    _add_api(_page)


@router.get("/targets/{target}/history/{metric}", response_model=History, responses=ERRORS)
def history(metric: Metric, target: Target, state: State) -> History:
    if metric not in CHARTS:
        raise HTTPException(404, "no such series")
    series = state.pages.get(
        ("series", target, metric), lambda: state.store.series(target, metric)
    ).value
    fit = charts.trend([(t.timestamp(), v) for t, v in series])
    return History(
        metric=metric,
        points=[Point(at=t, value=v) for t, v in series],
        trend_per_day=fit.slope * 86400 if fit else None,
    )
