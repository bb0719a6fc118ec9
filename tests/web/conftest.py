"""Fixtures of the web tests: one target database and one store database on the PostgreSQL 18
test server, an app with an admin and a viewer, and clients logged in either way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import ADMIN, TARGET_SQL, TOKEN, VIEWER

from pgharness import TestDatabase, TestServer
from pgsage.settings import Settings
from pgsage.web.app import create_app
from pgsage.web.auth import hash_password
from pgsage.web.config import Limit, WebConfig
from pgsage.web.store import Store


@pytest.fixture(scope="session")
def web_server(servers: dict[str, TestServer | str]) -> TestServer:
    server = servers["pg18"]
    if isinstance(server, str):
        pytest.skip(server)
    return server


@pytest.fixture(scope="session")
def target_db(web_server: TestServer) -> Iterator[TestDatabase]:
    database = web_server.create_database("webtarget")
    database.execute(TARGET_SQL)
    try:
        yield database
    finally:
        web_server.drop_database(database.name)


@pytest.fixture(scope="session")
def store_db(web_server: TestServer) -> Iterator[TestDatabase]:
    database = web_server.create_database("webstore")
    try:
        yield database
    finally:
        web_server.drop_database(database.name)


@pytest.fixture(scope="session")
def store(store_db: TestDatabase) -> Iterator[Store]:
    opened = Store(store_db.dsn)
    opened.migrate()
    for (name, password), role in ((ADMIN, "admin"), (VIEWER, "viewer")):
        opened.add_user(name, hash_password(password, 4), role)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture(scope="session")
def base_config(target_db: TestDatabase, store_db: TestDatabase) -> WebConfig:
    return WebConfig(
        targets={"main": target_db.dsn},
        store_dsn=store_db.dsn,
        settings=Settings(),
        admin_token=TOKEN,
        cors_origins=("https://dash.example.com",),
        expensive_limit=Limit(10_000, 60),
        login_user_limit=Limit(1_000, 60),
        login_address_limit=Limit(10_000, 60),
        bcrypt_rounds=4,
        page_budget_s=8.0,
        compute_wait_s=8.0,
        collect_interval_s=0,
    )


@pytest.fixture(scope="session")
def make_app(store: Store) -> Callable[..., FastAPI]:
    def make(config: WebConfig, **changes: Any) -> FastAPI:
        # each app has its own store engine (the app instruments and disposes it)
        return create_app(replace(config, **changes), Store(config.store_dsn))

    return make


@pytest.fixture(scope="session")
def app(make_app: Callable[..., FastAPI], base_config: WebConfig) -> FastAPI:
    return make_app(base_config)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # no lifespan (no `with`): the session's app is shared, its pools stay open
    yield TestClient(app, follow_redirects=False)
