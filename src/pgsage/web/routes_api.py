"""The JSON API: each page's twin under /api/v1/targets/NAME/, the targets, the history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from pgsage.web import charts, views
from pgsage.web.deps import ReachGB, State, Target, expensive
from pgsage.web.pagedata import build
from pgsage.web.routes_pages import CHARTS
from pgsage.web.state import PAGES

router = APIRouter(prefix="/api/v1")


@router.get("/targets")
def list_targets(state: State) -> dict[str, Any]:
    return {"targets": state.targets.names}


def _add_api(page: str) -> None:
    def api(target: Target, state: State, reach_gb: ReachGB = None) -> Any:
        return views.jsonable(build(state, page, target, reach_gb * 2**30 if reach_gb else None))

    router.add_api_route(
        f"/targets/{{target}}/{page}",
        api,
        methods=["GET"],
        dependencies=[Depends(expensive)],
        name=f"api_{page}",
    )


for _page, _title in PAGES:
    _add_api(_page)


@router.get("/targets/{target}/history/{metric}")
def history(metric: str, target: Target, state: State) -> dict[str, Any]:
    if metric not in CHARTS:
        raise HTTPException(404, "no such series")
    series = state.store.series(target, metric)
    fit = charts.trend([(t.timestamp(), v) for t, v in series])
    return {
        "metric": metric,
        "points": [{"at": t.isoformat(), "value": v} for t, v in series],
        "trend_per_day": fit.slope * 86400 if fit else None,
    }
