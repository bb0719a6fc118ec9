"""The server-rendered pages: one per area of a target, the SVG charts, the check docs."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pgsage.web import charts
from pgsage.web.deps import PageNumber, ReachGB, State, Target, expensive
from pgsage.web.pagedata import built, rendered, template_of
from pgsage.web.state import EXPENSIVE_PAGES, PAGES, viewer_key

router = APIRouter()

Metric = Literal["query_time", "size", "connections"]
CHARTS = {
    "query_time": ("Query time per sample (ms, pg_stat_statements deltas)", charts.plain),
    "size": ("Database size", charts.human_bytes),
    "connections": ("Connections", charts.plain),
}


@router.get("/", response_class=HTMLResponse)
def index(state: State) -> Response:
    return RedirectResponse(f"/t/{quote(state.targets.names[0])}/", status_code=303)


@router.get("/docs/checks/{check}", response_class=HTMLResponse)
def check_docs(request: Request, check: str, state: State) -> HTMLResponse:
    from pgsage.checks.docs import check_pages

    page = check_pages().get(f"{check}.md")
    if page is None:
        raise HTTPException(404, "no such check")
    return state.render(
        request, "doc.html", title=check, text=page, target=None, targets=state.targets.names
    )


def _add_page(page: str, title: str) -> None:
    suffix = "" if page == "overview" else page

    def html(
        request: Request,
        target: Target,
        state: State,
        reach_gb: ReachGB = None,
        number: PageNumber = 1,
    ) -> HTMLResponse:
        made = built(state, page, target, reach_gb * 2**30 if reach_gb else None, number)

        def render() -> str:
            return state.render_text(
                request,
                template_of(page),
                page=page,
                page_title=title,
                data=made.model,
                target=target,
                targets=state.targets.names,
            )

        # one rendering per page model and viewer (the header names the user, forms carry
        # the session's CSRF token)
        return HTMLResponse(rendered(state, made, ("html", viewer_key(request)), render))

    router.add_api_route(
        f"/t/{{target}}/{suffix}",
        html,
        methods=["GET"],
        response_class=HTMLResponse,
        dependencies=[Depends(expensive)] if page in EXPENSIVE_PAGES else [],
        name=f"page_{page}",
    )


for _page, _title in PAGES:
    _add_page(_page, _title)


@router.get("/t/{target}/charts/{metric}.svg", response_class=Response)
def chart(metric: Metric, target: Target, state: State) -> Response:
    if metric not in CHARTS:
        raise HTTPException(404, "no such chart")
    title, fmt = CHARTS[metric]
    svg = state.pages.get(
        ("chart", target, metric),
        lambda: charts.line_chart(title, state.store.series(target, metric), fmt=fmt),
    ).value
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=60"},
    )
