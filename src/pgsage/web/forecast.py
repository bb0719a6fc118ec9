"""Forecasts from the recorded rates (``Trend.days_until``): days until a sequence runs out,
and until a table or the database reaches a size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pgsage.web.charts import trend
from pgsage.web.store import Store

ROWS = 20


@dataclass(frozen=True)
class SequenceForecast:
    schema: str
    name: str
    last_value: float
    max_value: float
    used_pct: float
    per_day: float | None
    days_left: float | None  # None: not rising (or fewer than two samples)


@dataclass(frozen=True)
class SizeForecast:
    subject: str
    bytes_now: float
    per_day_bytes: float | None
    reach_bytes: float
    days_until: float | None


def _now() -> float:
    return datetime.now(UTC).timestamp()


def sequences(store: Store, target: str) -> list[SequenceForecast]:
    found = []
    for (schema, name), points in store.sequence_history(target).items():
        _, last, maximum = points[-1]
        fit = trend([(t.timestamp(), v) for t, v, _ in points])
        per_day = fit.slope * 86400 if fit else None
        found.append(
            SequenceForecast(
                schema=schema,
                name=name,
                last_value=last,
                max_value=maximum,
                used_pct=last / maximum * 100 if maximum else 0.0,
                per_day=per_day,
                days_left=fit.days_until(maximum, _now()) if fit else None,
            )
        )
    return sorted(found, key=lambda f: (f.days_left is None, f.days_left or 0.0, -f.used_pct))[
        :ROWS
    ]


def database_size(store: Store, target: str, reach_bytes: float | None) -> SizeForecast | None:
    """Days until the database reaches ``reach_bytes`` (default: twice its size now)."""
    series = store.series(target, "size")
    if not series:
        return None
    now_bytes = series[-1][1]
    fit = trend([(t.timestamp(), v) for t, v in series])
    reach = reach_bytes or now_bytes * 2
    return SizeForecast(
        subject="database",
        bytes_now=now_bytes,
        per_day_bytes=fit.slope * 86400 if fit else None,
        reach_bytes=reach,
        days_until=fit.days_until(reach, _now()) if fit else None,
    )


def tables(growth: list[dict[str, Any]], reach_bytes: float | None) -> list[SizeForecast]:
    """Per table (first and last recorded size): days until ``reach_bytes`` (default: twice)."""
    found = []
    for row in growth:
        last = float(row["last_bytes"])
        reach = reach_bytes or last * 2
        per_day = row.get("per_day_bytes")
        days = (reach - last) / per_day if per_day and per_day > 0 and reach > last else None
        if per_day and per_day > 0 and reach <= last:
            days = 0.0
        found.append(
            SizeForecast(
                subject=f"{row['schema_name']}.{row['table_name']}",
                bytes_now=last,
                per_day_bytes=per_day,
                reach_bytes=reach,
                days_until=days,
            )
        )
    return found
