"""Measured recall for the vector checks: what ``pgsage vector tune --record FILE`` recorded,
read when a check's ``measured_recall_file`` parameter names that file. With a measurement, a
check judges a session's ef_search / probes by the recall measured at it, not by the rule of
thumb alone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pgsage.checks.base import Param
from pgsage.db.rows import Index
from pgsage.db.snapshot import Snapshot
from pgsage.vector.record import Measured, load

PARAMS = (
    Param(
        "measured_recall_file",
        "",
        "a file written by `pgsage vector tune --record FILE`: judge settings by measured recall",
    ),
    Param("target_recall", 0.95, "with measured recall: the recall@k a setting must reach"),
)


def measurements(snapshot: Snapshot, params: Mapping[str, Any]) -> dict[tuple[str, str], Measured]:
    path = str(params.get("measured_recall_file") or "")
    if not path:
        return {}
    return load(path, snapshot.server.database)


def for_index(found: Mapping[tuple[str, str], Measured], index: Index) -> Measured | None:
    """The index's measurement, unless the index was rebuilt differently since."""
    measured = found.get((index.schema, index.name))
    if measured is None or (measured.definition and measured.definition != index.definition):
        return None
    return measured


def low_by(
    measured: Measured | None, target: float, rule: Callable[[int], bool]
) -> Callable[[int], bool]:
    """Whether a setting is too low: by the recall measured at it, else by the rule."""

    def low(value: int) -> bool:
        if measured is not None and (at := measured.recall_at(value)) is not None:
            return at[1] < target
        return rule(value)

    return low


def describe(measured: Measured | None, value: int) -> str:
    if measured is None or (at := measured.recall_at(value)) is None:
        return ""
    shown = f"{measured.setting} = {at[0]}" + (
        " (the nearest measured below)" if at[0] != value else ""
    )
    return f"; measured recall@{measured.k} {at[1]:.3f} at {shown} (pgsage vector tune)"


def evidence(measured: Measured | None) -> dict[str, Any]:
    if measured is None:
        return {}
    return {
        "measured_recall": {str(v): r for v, r in sorted(measured.recall.items())},
        "measured_k": measured.k,
        "measured_recommended": measured.recommended,
    }
