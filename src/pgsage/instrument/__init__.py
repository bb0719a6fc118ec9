"""In-app instrumentation for SQLAlchemy: query timing, slow-query log, Prometheus metrics, pool
gauges, EXPLAIN sampling, the N+1 detector and query budgets (see docs/instrument.md).

Importing this package does not import SQLAlchemy or prometheus-client: the pytest plugin
imports it in every test session, and ``instrument``/``QueryMetrics`` load them on first use.

``pgsage.instrument`` is both this package and the function the issue promised
(``pgsage.instrument(engine)``): once the package is imported, Python binds the name on
``pgsage`` to the module, so the module itself is made callable.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from pgsage.instrument.findings import (
    CapturedQuery,
    NPlusOne,
    NPlusOneError,
    NPlusOneWarning,
    QueryBudgetError,
    QueryProblemError,
    UnitReport,
)
from pgsage.instrument.unit import Unit, current_unit, unit_of_work

if TYPE_CHECKING:
    from pgsage.instrument.core import Instrumentation, instrument
    from pgsage.instrument.metrics import QueryMetrics
    from pgsage.instrument.middleware import NPlusOneMiddleware
    from pgsage.instrument.report import render_markdown

_LAZY = {
    "instrument": "pgsage.instrument.core",
    "Instrumentation": "pgsage.instrument.core",
    "QueryMetrics": "pgsage.instrument.metrics",
    "NPlusOneMiddleware": "pgsage.instrument.middleware",
    "render_markdown": "pgsage.instrument.report",
}

__all__ = [
    "CapturedQuery",
    "Instrumentation",
    "NPlusOne",
    "NPlusOneError",
    "NPlusOneMiddleware",
    "NPlusOneWarning",
    "QueryBudgetError",
    "QueryMetrics",
    "QueryProblemError",
    "Unit",
    "UnitReport",
    "current_unit",
    "instrument",
    "render_markdown",
    "unit_of_work",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


class _CallableModule(types.ModuleType):
    def __call__(self, engine: Any, **options: Any) -> Instrumentation:
        from pgsage.instrument.core import instrument as instrument_engine

        return instrument_engine(engine, **options)


sys.modules[__name__].__class__ = _CallableModule
