"""Scraping a real database with the exporter's collector and reading the samples back."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from pgsage.exporter.collector import DatabaseCollector, ExporterOptions
from pgsage.exporter.server import Exporter, make_http_server


@dataclass
class Scraped:
    text: str
    families: set[str]
    samples: dict[str, list[tuple[dict[str, str], float]]]

    def value(self, name: str, **labels: str) -> float:
        found = self.values(name, **labels)
        assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
        return found[0]

    def values(self, name: str, **labels: str) -> list[float]:
        return [
            value
            for sample_labels, value in self.samples.get(name, [])
            if all(sample_labels.get(k) == v for k, v in labels.items())
        ]

    def labels(self, name: str) -> list[dict[str, str]]:
        return [sample_labels for sample_labels, _ in self.samples.get(name, [])]


def parse(text: str) -> Scraped:
    families: set[str] = set()
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        families.add(family.name)
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return Scraped(text, families, samples)


def scrape(dsn: str, **options: object) -> Scraped:
    return scrape_with(DatabaseCollector(dsn, ExporterOptions(**options)))  # type: ignore[arg-type]


def scrape_with(collector: DatabaseCollector) -> Scraped:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return parse(generate_latest(registry).decode())


@contextmanager
def serving(targets: dict[str, str], **server_options: Any) -> Iterator[str]:
    exporter = Exporter(targets, ExporterOptions(budget_s=3.0))
    server = make_http_server(exporter, "127.0.0.1", 0, **server_options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
