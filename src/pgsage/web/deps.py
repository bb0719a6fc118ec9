"""The FastAPI dependencies the routers share: the current user (identified by the
authentication middleware), the admin role, a known target, the expensive-endpoint rate
limit, and CSRF for browser sessions (an app-wide dependency, so a new route has it too)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, HTTPException, Query, Request

from pgsage.web.auth import CSRF_HEADER, Principal, token_matches
from pgsage.web.state import RateLimited, WebState, form_field, web_state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

State = Annotated[WebState, Depends(web_state)]


# The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in
# a worker thread, a hop that costs more than the function itself.
async def current_user(request: Request) -> Principal:
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None:  # the middleware lets no unauthenticated request through
        raise HTTPException(401, "authentication required")
    return found


CurrentUser = Annotated[Principal, Depends(current_user)]


async def require_admin(who: CurrentUser) -> Principal:
    if not who.user.is_admin:
        raise HTTPException(403, "this needs the admin role")
    return who


Admin = Annotated[Principal, Depends(require_admin)]


async def target_name(target: str, state: State) -> str:
    if target not in state.config.targets:
        raise HTTPException(404, "no such target")
    return target


Target = Annotated[str, Depends(target_name)]


def expensive(request: Request, who: CurrentUser, state: State) -> None:
    """The expensive endpoints' limit, per user and route, counted in the store."""
    route = request.scope.get("route")
    key = f"expensive:{getattr(route, 'path', request.url.path)}:{who.user.username}"
    limit = state.config.expensive_limit
    hit = state.store.hit(key, limit.period_s)
    if hit.hits > limit.count:
        raise RateLimited(hit.reset_in_s)


async def csrf_protect(request: Request) -> None:
    """A browser session's unsafe request carries the session's CSRF token (header or form)."""
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None or request.method in SAFE_METHODS or who.method != "session":
        return
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type") or ""
    if given is None and content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = form_field(form, "csrf_token")
    if not token_matches(given, who.csrf):
        raise HTTPException(403, "CSRF token missing or wrong")


ReachGB = Annotated[
    float | None,
    Query(gt=0, le=1e9, description="the size (GiB) the space forecasts count the days to"),
]

PageNumber = Annotated[
    int,
    Query(
        alias="page",
        ge=1,
        le=1_000_000,
        description="which slice of the page's lists (50 rows each; see paging)",
    ),
]
