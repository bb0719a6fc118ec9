"""Fixtures for the instrumentation tests: a seeded database (users -> orders -> items) per
test on the real servers, SQLAlchemy engines on it, and a private Prometheus registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from instrument_models import Base, seed
from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pgharness import TestDatabase, TestServer


def sa_url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def _seeded(database: TestDatabase) -> str:
    url = sa_url(database.dsn)
    engine = create_engine(url)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            seed(session)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def url(db: TestDatabase) -> str:
    """A seeded database on each server (PG 18 and PG 15)."""
    return _seeded(db)


@pytest.fixture
def url18(pg18: TestServer) -> Iterator[str]:
    """A seeded database on PG 18 only, for tests whose subject is not the server."""
    database = pg18.create_database()
    try:
        yield _seeded(database)
    finally:
        pg18.drop_database(database.name)


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine18(url18: str) -> Iterator[Engine]:
    engine = create_engine(url18)
    yield engine
    engine.dispose()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()
