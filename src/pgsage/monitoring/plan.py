"""The monitoring plan (seed 000's table: source, metric type, threshold/alert, notes) in
Markdown and CSV, generated from the same definitions as the Prometheus rules."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pgsage.monitoring.definitions import ALERTS, Alert, Tier, Unit

COLUMNS = ("Alert", "Source", "Metric type", "Threshold / alert", "Notes")


@dataclass(frozen=True)
class PlanRow:
    alert: str
    source: str
    metric_type: str
    threshold: str
    notes: str

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.alert, self.source, self.metric_type, self.threshold, self.notes)


def human(value: float, unit: Unit) -> str:
    if unit is Unit.ratio:
        return f"{value * 100:g} %"
    if unit is Unit.seconds:
        if value >= 3600 and value % 3600 == 0:
            return f"{value / 3600:g} h"
        if value >= 60 and value % 60 == 0:
            return f"{value / 60:g} min"
        return f"{value * 1000:g} ms" if value < 1 else f"{value:g} s"
    if unit is Unit.bytes:
        for size, name in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
            if value >= size:
                return f"{value / size:g} {name}"
        return f"{value:g} B"
    return f"{value:,.10g}"


def tier_text(alert: Alert, tier: Tier) -> str:
    if tier.threshold is None:
        condition = "fires"
    elif tier.condition is not None:
        condition = tier.condition.replace("{threshold}", human(tier.threshold, alert.unit))
    else:
        condition = f"{alert.comparison} {human(tier.threshold, alert.unit)}"
    return f"{condition} for {tier.for_} → {tier.severity}"


def plan_rows(alerts: tuple[Alert, ...] = ALERTS) -> list[PlanRow]:
    return [
        PlanRow(
            alert.name,
            alert.source,
            alert.metric_type,
            "; ".join(tier_text(alert, tier) for tier in alert.tiers),
            alert.notes,
        )
        for alert in alerts
    ]


def render_markdown(alerts: tuple[Alert, ...] = ALERTS) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(c) for c in row.cells()) + " |" for row in plan_rows(alerts)]
    return "\n".join(lines) + "\n"


def render_csv(alerts: tuple[Alert, ...] = ALERTS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row.cells() for row in plan_rows(alerts))
    return out.getvalue()
