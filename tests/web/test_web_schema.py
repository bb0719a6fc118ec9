"""Property-based fuzzing of the OpenAPI schema with schemathesis, authenticated as a viewer
and as an admin: no 5xx, and every response matches its documented schema (the JSON twins
declare their page models). Bounded: a few examples per operation, the target path parameter
pinned to the served target. As an admin the fuzzer reaches cancel/terminate: their ``pid`` is
pinned to one no backend has, so the operations run (and are recorded) without signalling any
of the test server's sessions.

The operations are walked by hand (schemathesis' pytest plugin does not load under this
pytest), each with its own Hypothesis run."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from web_helpers import ADMIN, VIEWER, basic

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")
openapi_checks = pytest.importorskip("schemathesis.specs.openapi.checks")

EXAMPLES = 4
NO_SUCH_PID = 2**31 - 1  # pids are below this; pg_cancel/terminate_backend answer false


def _pinned(path: str) -> dict[str, Any] | None:
    pinned: dict[str, Any] = {}
    if "{target}" in path:
        pinned["target"] = "main"
    if "{pid}" in path:
        pinned["pid"] = NO_SUCH_PID
    return pinned or None


def _fuzz(operation: Any, user: tuple[str, str]) -> None:
    pinned = _pinned(operation.path)

    @given(case=operation.as_strategy(path_parameters=pinned))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(
            headers=basic(user),
            checks=[checks.not_a_server_error, openapi_checks.response_schema_conformance],
        )

    run()


@pytest.mark.parametrize("user", [VIEWER, ADMIN], ids=["viewer", "admin"])
def test_api_fuzz(app: FastAPI, user: tuple[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=basic(user))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    assert any("{pid}" in op.path for op in operations)  # the signals are fuzzed too
    failures = []
    for operation in operations:
        try:
            _fuzz(operation, user)
        except Exception as exc:  # collect them all, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
