"""The Prometheus exporter: build it over its targets, scrape once, or serve it over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from pgsage.db.connect import DEFAULT_TARGET
from pgsage.exporter.collector import ExporterOptions
from pgsage.exporter.server import Exporter, make_http_server


@dataclass(frozen=True)
class Scrape:
    target: str
    body: bytes
    ok: bool  # False when the database could not be read (the collector logged why)


def build_exporter(targets: dict[str, str], options: ExporterOptions) -> Exporter:
    return Exporter(targets, options)


def scrape_once(exporter: Exporter) -> Scrape:
    """One scrape of the default target (or the first by name)."""
    name = (
        DEFAULT_TARGET if DEFAULT_TARGET in exporter.collectors else sorted(exporter.collectors)[0]
    )
    body = exporter.metrics(name)
    return Scrape(name, body, exporter.collectors[name].last_error is None)


def serve(exporter: Exporter, listen: str, port: int) -> WSGIServer:
    """The HTTP server, bound and ready; the caller runs ``serve_forever`` and closes it."""
    return make_http_server(exporter, listen, port)
