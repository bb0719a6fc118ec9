"""Every metric the rules and the dashboard use exists in what the exporter (or the
application instrumentation) really exports: scraped from a real server, never a list."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from pgharness import TestDatabase
from pgsage.exporter.collector import DatabaseCollector
from pgsage.instrument.metrics import QueryMetrics
from pgsage.monitoring.dashboard import dashboard_exprs
from pgsage.monitoring.definitions import RECORDING_RULES
from pgsage.monitoring.rules import rendered_alerts

METRIC = re.compile(r"(?<![\w:])((?:pgsage|db)_[a-z0-9_]+)\b")
# Only a streaming standby (or being one) produces samples of these; the families are
# declared on every scrape.
NEEDS_A_STANDBY = {
    "pgsage_replication_lag_seconds",
    "pgsage_replication_lag_bytes",
    "pgsage_standby_replay_delay_seconds",
}
SUFFIXES = ("", "_total", "_bucket", "_count", "_sum", "_info")


def used_names() -> set[str]:
    exprs = [a.expr for a in rendered_alerts()] + [r.expr for r in RECORDING_RULES]
    exprs += dashboard_exprs()
    return {name for expr in exprs for name in METRIC.findall(expr)}


def exposed(text: str) -> tuple[set[str], set[str]]:
    """(every name the text declares, the names that have samples)."""
    declared: set[str] = set()
    sampled: set[str] = set()
    for family in text_string_to_metric_families(text):
        declared.update(family.name + suffix for suffix in SUFFIXES)
        sampled.update(sample.name for sample in family.samples)
    return declared | sampled, sampled


def instrumentation_output() -> str:
    registry = CollectorRegistry()
    metrics = QueryMetrics(registry)
    metrics.duration.child("SELECT t").observe(0.01)
    metrics.count_error("23505")
    return generate_latest(registry).decode()


def test_every_metric_used_is_exported(db: TestDatabase) -> None:
    db.execute("""
        CREATE TABLE visits (id serial PRIMARY KEY, path text);
        INSERT INTO visits (path) SELECT 'p' || g FROM generate_series(1, 1000) g;
        DELETE FROM visits WHERE id % 2 = 0;
        SELECT count(*) FROM visits;
    """)
    db.execute("VACUUM (ANALYZE) visits")
    if "vector" in db.server.available_extensions:
        db.execute(
            "CREATE EXTENSION vector; CREATE TABLE items (e vector(2)); "
            "CREATE INDEX ON items USING hnsw (e vector_l2_ops)"
        )
    slot = f"names_{db.name}"
    db.execute("SELECT pg_create_physical_replication_slot(%s, true)", [slot])
    try:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(DatabaseCollector(db.dsn))
        exporter_text = generate_latest(registry).decode()
    finally:
        db.execute("SELECT pg_drop_replication_slot(%s)", [slot])
    exporter_names, exporter_sampled = exposed(exporter_text)
    app_names, _ = exposed(instrumentation_output())

    used = used_names()
    assert "pgsage_connections_used_ratio" in used and "db_query_errors_total" in used
    missing = sorted(n for n in used if n not in exporter_names and n not in app_names)
    assert not missing, f"used in rules/dashboard but never exported: {missing}"

    doc = (Path(__file__).resolve().parents[2] / "docs" / "monitoring.md").read_text()
    undocumented = sorted(
        name
        for name in (
            f.name + ("_total" if f.type == "counter" else "")
            for f in text_string_to_metric_families(exporter_text)
        )
        if f"`{name}`" not in doc
    )
    assert not undocumented, f"exported but not in docs/monitoring.md: {undocumented}"

    documented_labels = {
        row[0].strip("` "): row[2].strip()
        for row in (
            line.split("|")[1:] for line in doc.splitlines() if line.startswith("| `pgsage_")
        )
    }
    for family in text_string_to_metric_families(exporter_text):
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = sorted({label for sample in family.samples for label in sample.labels})
        if family.samples:
            assert documented_labels[name] == (", ".join(labels) or "-"), name

    no_vector = "vector" not in db.server.available_extensions  # PG 15 here
    without_samples = sorted(
        n
        for n in used
        if n.startswith("pgsage_")
        and n not in exporter_sampled
        and n not in NEEDS_A_STANDBY
        and not (n.startswith("pgsage_vector") and no_vector)
    )
    assert not without_samples, f"declared, but no samples on {db.server.name}: {without_samples}"
