"""Property-based fuzzing of the OpenAPI schema with schemathesis, authenticated (a viewer:
the fuzzer must not cancel or terminate the test server's backends): no 5xx, and every
response matches its documented schema (the JSON twins declare their page models). Bounded:
a few examples per operation, the target path parameter pinned to the served target.

The operations are walked by hand (schemathesis' pytest plugin does not load under this
pytest), each with its own Hypothesis run."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from web_helpers import VIEWER, basic

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")
openapi_checks = pytest.importorskip("schemathesis.specs.openapi.checks")

EXAMPLES = 4


def _fuzz(operation: Any) -> None:
    pinned = {"target": "main"} if "{target}" in operation.path else None

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
            headers=basic(VIEWER),
            checks=[checks.not_a_server_error, openapi_checks.response_schema_conformance],
        )

    run()


def test_api_fuzz(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=basic(VIEWER))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures = []
    for operation in operations:
        try:
            _fuzz(operation)
        except Exception as exc:  # collect them all, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
