"""Security of pgsage web (seed 004): every route needs credentials, CSRF, CORS, rate limits
with 429 + Retry-After, the registration token, roles, cookies, headers, no secret shown."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from psycopg import conninfo
from starlette.routing import Mount, Route
from web_helpers import ADMIN, TOKEN, VIEWER, basic, login

from pgharness import TestDatabase, TestServer
from pgsage.commands.web import check_listen, check_store_apart
from pgsage.errors import UsageError
from pgsage.web.app import CSP, PUBLIC_PATHS, TOKEN_PATHS
from pgsage.web.auth import hash_password
from pgsage.web.config import Limit, WebConfig
from pgsage.web.store import Store

PARAMS = {
    "target": "main",
    "pid": "1",
    "action": "cancel",
    "key": "0123456789abcdef",
    "metric": "size",
    "check": "duplicate-index",
}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS.get(m.group(1), "x"), path)


def flat_routes(app: FastAPI) -> list[tuple[Any, str, set[str]]]:
    """Each route (FastAPI >= 0.165 keeps included routers lazily): (route, full path, methods)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI: app.routes is flat already
        return [
            (r, getattr(r, "path", ""), getattr(r, "methods", None) or set()) for r in app.routes
        ]
    return [
        (c.original_route, c.path or "", c.methods or set())
        for c in iter_route_contexts(app.routes)
    ]


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route, path, methods in flat_routes(app):
        if isinstance(route, Mount):
            found.append(("GET", path + "/style.css"))
            continue
        assert isinstance(route, APIRoute | Route), route
        for method in sorted(methods - {"HEAD"}):
            found.append((method, concrete(path)))
    return found


def test_every_route_is_refused_without_credentials(app: FastAPI, client: TestClient) -> None:
    routes = all_routes(app)
    assert len(routes) > 25  # pages, their JSON twins, charts, downloads, operations
    public = PUBLIC_PATHS | {"/static/style.css"}
    unprotected = []
    for method, path in routes:
        if path in public:
            continue
        for headers in ({}, basic(("ada", "wrong-password")), {"Accept": "text/html"}):
            response = client.request(method, path, headers=headers)
            refused = response.status_code == 401 or (
                response.status_code == 303 and response.headers["location"].startswith("/login")
            )
            if not refused:
                unprotected.append((method, path, headers, response.status_code))
    assert not unprotected, f"routes answering without credentials: {unprotected}"
    # the public allow-list is small and answers
    assert client.get("/health").status_code in (200, 503)
    assert client.get("/ready").status_code == 200
    assert client.get("/login").status_code == 200
    assert {"/api/v1/auth/register"} == TOKEN_PATHS


def test_api_basic_auth_and_roles(client: TestClient) -> None:
    assert client.get("/api/v1/me", headers=basic(ADMIN)).json()["role"] == "admin"
    assert client.get("/api/v1/me", headers=basic(VIEWER)).json()["role"] == "viewer"
    refused = client.post(
        "/api/v1/targets/main/activity/1/cancel", headers=basic(VIEWER), json={"confirm": True}
    )
    assert refused.status_code == 403
    unconfirmed = client.post(
        "/api/v1/targets/main/activity/1/cancel", headers=basic(ADMIN), json={}
    )
    assert unconfirmed.status_code == 400


def test_admin_terminates_a_backend_and_it_is_recorded(
    client: TestClient, target_db: TestDatabase, store: Store
) -> None:
    victim = psycopg.connect(target_db.dsn, autocommit=True, application_name="victim")
    try:
        pid = victim.info.backend_pid
        # live activity is read at most every live_ttl_s (an earlier test may just have read
        # it): this test needs a read that includes the victim
        client.app.state.web.live.clear()  # type: ignore[attr-defined]
        activity = client.get("/api/v1/targets/main/activity", headers=basic(ADMIN)).json()
        assert pid in {s["pid"] for s in activity["sessions"]}
        response = client.post(
            f"/api/v1/targets/main/activity/{pid}/terminate",
            headers=basic(ADMIN),
            json={"confirm": True},
        )
        assert response.status_code == 200, response.text
        assert response.json()["ok"] is True
    finally:
        victim.close()
    recorded = [a for a in store.actions() if a["pid"] == pid]
    assert recorded and recorded[0]["username"] == ADMIN[0]
    assert recorded[0]["action"] == "terminate"


def test_csrf_is_required_for_browser_posts(client: TestClient) -> None:
    csrf = login(client, ADMIN)
    form = {"confirm": "yes"}
    missing = client.post("/t/main/activity/1/cancel", data=form)
    assert missing.status_code == 403
    wrong = client.post("/t/main/activity/1/cancel", data={**form, "csrf_token": "nope"})
    assert wrong.status_code == 403
    right = client.post("/t/main/activity/1/cancel", data={**form, "csrf_token": csrf})
    assert right.status_code == 303  # done (pid 1 is no backend: recorded as not signalled)
    header = client.post("/logout", headers={"X-CSRF-Token": csrf})
    assert header.status_code == 303
    assert client.get("/t/main/", headers={"Accept": "text/html"}).status_code == 303


def test_login_form_needs_its_csrf_cookie(client: TestClient) -> None:
    response = client.post(
        "/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": "forged"}
    )
    assert response.status_code == 403


def test_session_cookie_flags(make_app: Callable[..., FastAPI], base_config: WebConfig) -> None:
    with TestClient(make_app(base_config, secure_cookies=True), follow_redirects=False) as c:
        form = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        # the login CSRF cookie is Secure: the test client only sends it over https
        c.cookies.set("pgsage_login_csrf", token.group(1))
        response = c.post(
            "/login",
            data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token.group(1)},
        )
        assert response.status_code == 303
        cookie = next(
            v
            for k, v in response.headers.multi_items()
            if k == "set-cookie" and v.startswith("pgsage_session=")
        )
        lowered = cookie.lower()
        assert "httponly" in lowered and "samesite=strict" in lowered and "secure" in lowered


def test_security_headers(client: TestClient) -> None:
    for response in (client.get("/login"), client.get("/t/main/", headers=basic(ADMIN))):
        csp = response.headers["content-security-policy"]
        assert csp == CSP
        assert "unsafe-inline" not in csp and "script-src" not in csp  # default-src 'none'
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert "<script" not in client.get("/t/main/", headers=basic(ADMIN)).text


def test_cors_allow_list(client: TestClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    good = client.options("/api/v1/me", headers={"Origin": "https://dash.example.com", **preflight})
    assert good.status_code == 200
    assert good.headers["access-control-allow-origin"] == "https://dash.example.com"
    evil = client.options("/api/v1/me", headers={"Origin": "https://evil.example", **preflight})
    assert evil.status_code == 400
    assert "access-control-allow-origin" not in evil.headers
    simple = client.get("/api/v1/me", headers={"Origin": "https://evil.example", **basic(ADMIN)})
    assert "access-control-allow-origin" not in simple.headers


def test_expensive_endpoints_answer_429_with_retry_after(
    make_app: Callable[..., FastAPI], base_config: WebConfig
) -> None:
    app = make_app(base_config, expensive_limit=Limit(3, 3600))
    with TestClient(app) as c:
        codes = [
            c.get("/api/v1/targets/main/advisor", headers=basic(VIEWER)).status_code
            for _ in range(4)
        ]
        assert codes[:3] == [200, 200, 200]
        limited = c.get("/api/v1/targets/main/advisor", headers=basic(VIEWER))
        assert limited.status_code == 429
        assert 0 < int(limited.headers["retry-after"]) <= 3600
        # another user has a budget of its own
        assert c.get("/api/v1/targets/main/advisor", headers=basic(ADMIN)).status_code == 200
        # cheap endpoints (pages served from the cached snapshot, /me) are not limited
        assert c.get("/api/v1/targets/main/findings", headers=basic(VIEWER)).status_code == 200
        assert c.get("/api/v1/me", headers=basic(VIEWER)).status_code == 200


def test_failed_logins_are_limited_per_user(
    make_app: Callable[..., FastAPI], base_config: WebConfig, store: Store
) -> None:
    store.add_user("limited-user", hash_password("limited-password", 4), "viewer")
    app = make_app(base_config, login_user_limit=Limit(2, 3600))
    with TestClient(app) as c:
        wrong = basic(("limited-user", "wrong-password"))
        assert [c.get("/api/v1/me", headers=wrong).status_code for _ in range(2)] == [401, 401]
        # the window is full: even the right password waits (the limit is in the store)
        locked = c.get("/api/v1/me", headers=basic(("limited-user", "limited-password")))
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0


def test_failed_logins_are_limited_per_address(
    make_app: Callable[..., FastAPI], base_config: WebConfig
) -> None:
    app = make_app(base_config, login_address_limit=Limit(3, 3600))
    with TestClient(app, client=("192.0.2.7", 50000)) as c:
        for i in range(3):
            assert c.get("/api/v1/me", headers=basic((f"u{i}", "whatever1"))).status_code == 401
        assert c.get("/api/v1/me", headers=basic(("u9", "whatever1"))).status_code == 429


def test_registration_needs_the_admin_token(client: TestClient) -> None:
    body = {"username": "newbie", "password": "newbie-password", "role": "viewer"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 401
    wrong = client.post("/api/v1/auth/register", json=body, headers={"X-Admin-Token": "x" + TOKEN})
    assert wrong.status_code == 403
    created = client.post("/api/v1/auth/register", json=body, headers={"X-Admin-Token": TOKEN})
    assert created.status_code == 201, created.text
    assert created.json() == {"username": "newbie", "role": "viewer"}
    again = client.post("/api/v1/auth/register", json=body, headers={"X-Admin-Token": TOKEN})
    assert again.status_code == 409
    me = client.get("/api/v1/me", headers=basic(("newbie", "newbie-password"))).json()
    assert me["role"] == "viewer"
    bad_role = {**body, "username": "other", "role": "root"}
    assert (
        client.post(
            "/api/v1/auth/register", json=bad_role, headers={"X-Admin-Token": TOKEN}
        ).status_code
        == 422
    )


def test_registration_is_closed_without_a_configured_token(
    make_app: Callable[..., FastAPI], base_config: WebConfig
) -> None:
    with TestClient(make_app(base_config, admin_token=None)) as c:
        body = {"username": "x1", "password": "password-x1", "role": "admin"}
        response = c.post("/api/v1/auth/register", json=body, headers={"X-Admin-Token": "any"})
        assert response.status_code == 403


def test_no_secret_in_pages_or_errors(
    make_app: Callable[..., FastAPI], base_config: WebConfig, target_db: TestDatabase
) -> None:
    password = "tgt-secret-9"  # the test server trusts local connections: any password works
    main = conninfo.make_conninfo(target_db.dsn, password=password)
    down = "postgresql://someone:sekret-pass@127.0.0.1:1/nowhere?connect_timeout=2"
    app = make_app(base_config, targets={"main": main, "down": down}, page_budget_s=4)
    with TestClient(app) as c:
        texts = []
        for target in ("main", "down"):
            for page in ("", "queries", "activity", "indexes"):
                response = c.get(f"/t/{target}/{page}", headers=basic(ADMIN))
                assert response.status_code == 200
                texts.append(response.text)
            texts.append(c.get(f"/api/v1/targets/{target}/overview", headers=basic(ADMIN)).text)
        down_page = c.get("/t/down/", headers=basic(ADMIN)).text
        assert "could not" in down_page or "did not answer" in down_page
        texts.append(c.get("/health").text)
        texts.append(c.get("/metrics", headers=basic(ADMIN)).text)
    for text in texts:
        assert password not in text
        assert "sekret-pass" not in text


def test_refuses_a_public_address_without_users(
    web_server: TestServer, base_config: WebConfig, target_db: TestDatabase
) -> None:
    empty = web_server.create_database("webempty")
    try:
        store = Store(empty.dsn)
        store.migrate()
        from dataclasses import replace

        with pytest.raises(UsageError, match="no user exists"):
            check_listen(replace(base_config, host="0.0.0.0"), store)
        check_listen(replace(base_config, host="127.0.0.1"), store)  # loopback is fine
        store.add_user("first", hash_password("first-password", 4), "admin")
        check_listen(replace(base_config, host="0.0.0.0"), store)
        store.dispose()
    finally:
        web_server.drop_database(empty.name)
    with pytest.raises(UsageError, match="never goes into a monitored database"):
        check_store_apart(target_db.dsn, {"main": target_db.dsn})


def test_metrics_and_health(client: TestClient) -> None:
    client.get("/t/main/", headers=basic(ADMIN))
    text = client.get("/metrics", headers=basic(ADMIN)).text
    assert "pgsage_web_request_duration_seconds_bucket" in text
    assert 'route="/t/{target}/"' in text
    assert "db_query_duration_seconds" in text  # pgsage.instrument on the store engine
    assert "db_pool_" in text
    health = client.get("/health").json()
    assert health["store"]["ok"] is True and health["targets"]["main"]["ok"] is True
    assert health["uptime_s"] >= 0 and health["store"]["pool"] is not None


def test_threads_do_not_leak_between_apps() -> None:
    assert threading.active_count() < 200
