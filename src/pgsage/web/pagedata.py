"""One page's data (a page model from views), shared by the HTML page and its JSON twin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pgsage.web import views
from pgsage.web.state import WebState
from pgsage.web.store import Store

OWN_TEMPLATES = {"overview", "queries", "space", "maintenance", "activity"}


def growth(store: Store, target: str) -> list[dict[str, Any]]:
    rows = []
    for row in store.table_growth(target):
        span_days = (row["last_at"] - row["first_at"]).total_seconds() / 86400
        per_day = (row["last_bytes"] - row["first_bytes"]) / span_days if span_days > 0 else None
        rows.append({**row, "per_day_bytes": per_day})
    return rows


def build(state: WebState, page: str, target: str) -> Any:
    names = state.targets.names
    if page == "activity":
        live = state.targets.live(target)
        return views.activity(target, names, live, state.store.actions(100))
    view = state.targets.view(target)
    builders: dict[str, Callable[[], Any]] = {
        "overview": lambda: views.overview(view, names),
        "maintenance": lambda: views.maintenance(view, names),
        "queries": lambda: views.queries(view, names),
        "space": lambda: views.space(view, names, growth(state.store, target)),
    }
    builder = builders.get(page)
    return builder() if builder else views.findings_page(view, names, page)


def template_of(page: str) -> str:
    return f"{page if page in OWN_TEMPLATES else 'findings'}.html"
