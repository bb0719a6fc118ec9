"""Logging in and out, registration with the admin token, and who am I."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from pgsage.errors import UsageError
from pgsage.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    TooManyAttempts,
    hash_password,
    token_matches,
)
from pgsage.web.deps import CurrentUser, State
from pgsage.web.state import (
    Cookie,
    WebState,
    client_address,
    form_field,
    logger,
    safe_next,
    set_cookie,
    too_many,
)
from pgsage.web.store import check_password, check_role, check_username

router = APIRouter()


class Me(BaseModel):
    username: str
    role: str
    auth: str


class Registered(BaseModel):
    username: str
    role: str


def _login_page(
    state: WebState, request: Request, next_path: str, error: str | None = None
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = state.render(
        request,
        "login.html",
        status=401 if error else 200,
        next=next_path,
        login_csrf=token,
        error=error,
    )
    set_cookie(response, request, state.config, Cookie(LOGIN_CSRF_COOKIE, token, 3600))
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: State, next: str = "/") -> HTMLResponse:
    return _login_page(state, request, safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, state: State) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    username = form_field(form, "username") or ""
    password = form_field(form, "password") or ""
    next_path = safe_next(form_field(form, "next") or "/")
    if not token_matches(form_field(form, "csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
    try:
        user = await run_in_threadpool(
            state.auth.check_password, username, password, client_address(request)
        )
    except TooManyAttempts as exc:
        return too_many(exc.retry_after, "too many failed logins, try again later")
    if user is None:
        return _login_page(state, request, next_path, "Wrong user name or password.")
    hours = state.config.session_hours
    session_token, _csrf = await run_in_threadpool(state.store.create_session, user.username, hours)
    redirect = RedirectResponse(next_path, status_code=303)
    set_cookie(
        redirect, request, state.config, Cookie(SESSION_COOKIE, session_token, int(hours * 3600))
    )
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return redirect


def _registration(body: Any) -> tuple[str, str, str] | str:
    """The user name, password and role of a registration body, or what is wrong with it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    username, password = body.get("username"), body.get("password")
    role = body.get("role", "viewer")
    if not (isinstance(username, str) and isinstance(password, str) and isinstance(role, str)):
        return "username, password and role are strings"
    try:
        check_username(username)
        check_password(password)
        check_role(role)
    except UsageError as exc:
        return str(exc)
    return username, password, role


async def _token_refusal(request: Request, state: WebState) -> Response | None:
    """429, 401 or 403 when the registration token is rate-limited, missing or wrong."""
    address = client_address(request)
    limit = state.config.register_limit
    current = await run_in_threadpool(state.store.hits, f"register:{address}", limit.period_s)
    if current.hits >= limit.count:
        return too_many(current.reset_in_s)
    given = request.headers.get("x-admin-token")
    if not given:
        return JSONResponse({"detail": "the X-Admin-Token header is required"}, status_code=401)
    if not token_matches(given, state.config.admin_token):
        await run_in_threadpool(state.store.hit, f"register:{address}", limit.period_s)
        return JSONResponse({"detail": "wrong admin token"}, status_code=403)
    return None


@router.post(
    "/api/v1/auth/register",
    status_code=201,
    response_model=Registered,
    responses={401: {}, 403: {}, 409: {}, 422: {}, 429: {}},
)
async def register(request: Request, state: State) -> Response:
    """Create a user: needs the admin registration token (``X-Admin-Token``)."""
    refusal = await _token_refusal(request, state)
    if refusal is not None:
        return refusal
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"detail": "the body must be JSON"}, status_code=422)
    parsed = _registration(body)
    if isinstance(parsed, str):
        return JSONResponse({"detail": parsed}, status_code=422)
    username, password, role = parsed
    hashed = await run_in_threadpool(hash_password, password, state.config.bcrypt_rounds)
    if not await run_in_threadpool(state.store.add_user, username, hashed, role):
        return JSONResponse({"detail": "the user exists already"}, status_code=409)
    logger.info("user %s registered with role %s", username, role)
    return JSONResponse({"username": username, "role": role}, status_code=201)


@router.post("/logout")
def logout(who: CurrentUser, state: State) -> Response:
    if who.session_token:
        state.store.end_session(who.session_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/v1/me", response_model=Me)
def me(who: CurrentUser) -> Me:
    return Me(username=who.user.username, role=who.user.role, auth=who.method)
