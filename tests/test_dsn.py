"""DSNs as users write them: SQLAlchemy URLs accepted, empty ones refused, passwords never shown."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pgsage.db.connect import normalize_dsn, redact, scrub_secrets, validate_dsn
from pgsage.errors import UsageError

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql+psycopg://app@db/app", "postgresql://app@db/app"),
        ("postgresql+asyncpg://app@db/app", "postgresql://app@db/app"),
        ("postgres+psycopg2://app@db/app", "postgres://app@db/app"),
        ("postgresql://app@db/app", "postgresql://app@db/app"),
        ("host=db dbname=app", "host=db dbname=app"),
    ],
)
def test_sqlalchemy_urls_become_libpq_dsns(given: str, expected: str) -> None:
    assert normalize_dsn(given) == expected
    assert validate_dsn(given)["host"] == "db"


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_dsn_is_a_usage_error(empty: str) -> None:
    with pytest.raises(UsageError, match="empty"):
        validate_dsn(empty)


@pytest.mark.parametrize(
    "text",
    [
        f"postgresql://app:{SECRET}@db/app",
        f"postgresql+asyncpg://app:{SECRET}@db:5432/app?x=1",
        f"host=db password={SECRET} dbname=app",
        f"host=db password='{SECRET}' dbname=app",
    ],
)
def test_secrets_are_scrubbed(text: str) -> None:
    assert SECRET not in scrub_secrets(text)
    assert SECRET not in redact(text)


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("", "the DSN is empty"),
        (f"postgresql+psycopg://app:{SECRET}@127.0.0.1:1/app", "Connection refused"),
        (f"postgresql+asyncpg://app:{SECRET}@127.0.0.1:1/app?sslmode=bogus", "sslmode"),
        (f"host=127.0.0.1 password={SECRET} oops", "invalid DSN"),
        (f"postgresql://app:{SECRET}@[bad/app", "invalid DSN"),
    ],
)
def test_cli_dsn_errors_are_one_line_without_the_password(dsn: str, expected: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pgsage.cli.main", "audit", "--dsn", dsn],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert expected in done.stderr
    assert SECRET not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 1
