"""One page's data (a page model from views), shared by the HTML page and its JSON twin.

A page model is built once per snapshot and page number and reused for ``page_ttl_s`` seconds
(the store's history behind it changes only when a sample is recorded): fifty users opening
the same page cost one build. Live activity is read at most once per ``live_ttl_s``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import TypeAdapter

from pgsage.web import forecast, pages_extra, views
from pgsage.web.state import WebState
from pgsage.web.store import Store
from pgsage.web.targets import TargetView

T = TypeVar("T")

OWN_TEMPLATES = {"overview", "queries", "space", "maintenance", "activity", "advisor", "migrations"}
EXTRA: dict[str, Callable[[WebState, str], Any]] = {
    "advisor": pages_extra.advisor_page,
    "migrations": pages_extra.migrations_page,
}


def growth(store: Store, target: str) -> list[dict[str, Any]]:
    rows = []
    for row in store.table_growth(target):
        span_days = (row["last_at"] - row["first_at"]).total_seconds() / 86400
        per_day = (row["last_bytes"] - row["first_bytes"]) / span_days if span_days > 0 else None
        rows.append({**row, "per_day_bytes": per_day})
    return rows


def _space(state: WebState, view: TargetView, target: str, reach: float | None, number: int) -> Any:
    rows = growth(state.store, target)
    return dataclasses.replace(
        views.space(view, state.targets.names, rows, number),
        database_forecast=forecast.database_size(state.store, target, reach),
        table_forecasts=forecast.tables(rows, reach),
    )


def _maintenance(state: WebState, view: TargetView, target: str, number: int) -> Any:
    return dataclasses.replace(
        views.maintenance(view, state.targets.names, number),
        sequence_forecasts=forecast.sequences(state.store, target),
    )


def _activity(state: WebState, target: str) -> Any:
    live = state.targets.live(target)
    return views.activity(target, state.targets.names, live, state.store.actions(100))


@dataclass(frozen=True)
class Built:
    """A page model, and the key of its cached computation (None: not cached), under which
    its renderings (the JSON bytes, a user's HTML) are cached too: they live as long as it."""

    model: Any
    key: Hashable | None = None


def built(
    state: WebState, page: str, target: str, reach_bytes: float | None = None, number: int = 1
) -> Built:
    """The page model; ``reach_bytes``: the size the space forecasts count the days to
    (default: twice the size now); ``number``: which slice of the page's lists."""
    names = state.targets.names
    if page == "activity":
        live = state.live.get(target, lambda: _activity(state, target))
        return Built(live.value, ("activity", target, live.mono))
    if page in EXTRA:
        return Built(EXTRA[page](state, target))
    view = state.targets.view(target)
    builders: dict[str, Callable[[], Any]] = {
        "overview": lambda: views.overview(view, names),
        "maintenance": lambda: _maintenance(state, view, target, number),
        "queries": lambda: views.queries(view, names, number),
        "space": lambda: _space(state, view, target, reach_bytes, number),
    }
    builder = builders.get(page) or (lambda: views.findings_page(view, names, page, number))
    key = (page, target, reach_bytes, number, view.taken_at, view.problems, view.refreshing)
    found = state.pages.get(key, builder)
    return Built(found.value, (key, found.mono))


def build(
    state: WebState, page: str, target: str, reach_bytes: float | None = None, number: int = 1
) -> Any:
    return built(state, page, target, reach_bytes, number).model


def rendered(state: WebState, made: Built, key: Hashable, render: Callable[[], T]) -> T:
    """A rendering of a page model, made once per model and ``key`` (the JSON bytes; a
    user's HTML), or made now when the model is not cached."""
    if made.key is None:
        return render()
    found: T = state.renders.get((made.key, key), render).value
    return found


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def json_bytes(page: str, model: Any) -> bytes:
    """The page model as its JSON twin answers it (its declared response model)."""
    cls = model_of(page)
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter.dump_json(model)


def template_of(page: str) -> str:
    return f"{page if page in OWN_TEMPLATES else 'findings'}.html"


def model_of(page: str) -> type[Any]:
    """The page model's class (the JSON twin's response schema)."""
    models: dict[str, type[Any]] = {
        "overview": views.Overview,
        "queries": views.QueriesPage,
        "space": views.SpacePage,
        "maintenance": views.MaintenancePage,
        "activity": views.ActivityPage,
        "advisor": pages_extra.ReportPage,
        "migrations": pages_extra.ReportPage,
    }
    return models.get(page, views.FindingsPage)
