"""The query page (history, plan, "what if" indexes) and the advisor's fix downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from pgsage.web import charts
from pgsage.web.auth import Principal
from pgsage.web.deps import CurrentUser, State, Target, expensive
from pgsage.web.pages_extra import QueryPage, advised_finding, query_page
from pgsage.web.routes_actions import fix_downloads
from pgsage.web.routes_api import ERRORS
from pgsage.web.state import WebState

router = APIRouter()

Analyze = Annotated[
    bool, Query(description="EXPLAIN ANALYZE (admins only; executed read-only, rolled back)")
]


def _analyze_allowed(who: Principal, analyze: bool) -> bool:
    if analyze and not who.user.is_admin:
        raise HTTPException(403, "EXPLAIN ANALYZE needs the admin role")
    return analyze


@router.get(
    "/t/{target}/queries/{key}",
    response_class=HTMLResponse,
    dependencies=[Depends(expensive)],
    name="page_query",
)
async def query_html(
    request: Request, key: str, target: Target, who: CurrentUser, analyze: Analyze = False
) -> HTMLResponse:
    state: WebState = request.app.state.web
    data = await run_in_threadpool(query_page, state, target, key, _analyze_allowed(who, analyze))
    return state.render(
        request,
        "query.html",
        page="queries",
        data=data,
        target=target,
        targets=state.targets.names,
    )


@router.get(
    "/api/v1/targets/{target}/queries/{key}",
    dependencies=[Depends(expensive)],
    response_model=QueryPage,
    responses={403: {"description": "EXPLAIN ANALYZE needs the admin role"}, **ERRORS},
)
def query_api(
    key: str, target: Target, who: CurrentUser, state: State, analyze: Analyze = False
) -> QueryPage:
    return query_page(state, target, key, _analyze_allowed(who, analyze))


@router.get("/t/{target}/queries/{key}/chart.svg", response_class=Response)
def query_chart(key: str, target: Target, state: State) -> Response:
    series = [
        (at, total / calls if calls else 0.0)
        for at, total, calls in state.store.query_history(target, key)
    ]
    return Response(
        charts.line_chart("Mean time per call (ms, per sample)", series, fmt=charts.plain),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=60"},
    )


@router.get("/t/{target}/advisor/{key}/fix.sql", response_class=Response)
def advice_sql(key: str, target: Target, state: State) -> Response:
    return fix_downloads(advised_finding(state, target, key), key)[0]


@router.get("/t/{target}/advisor/{key}/alembic.py", response_class=Response)
def advice_alembic(key: str, target: Target, state: State) -> Response:
    return fix_downloads(advised_finding(state, target, key), key)[1]
