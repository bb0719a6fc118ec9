"""The exporter's HTTP endpoints, as a WSGI app served by a small threaded wsgiref server.

/metrics              the default target's metrics
/probe?target=NAME    a configured target's metrics (one Prometheus job for many databases)
/health               the process is up (never touches a database)
/ready[?target=NAME]  the database answers ``SELECT 1`` (503 with the reason when not)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from pgsage.db.connect import DEFAULT_TARGET, SessionOptions, connect
from pgsage.errors import PgsageError, UsageError
from pgsage.exporter.collector import DatabaseCollector, ExporterOptions

log = logging.getLogger("pgsage.exporter")


READY_TIMEOUT_MS = 2_000
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Exporter:
    """Named targets (DSNs) and their collectors; ``default`` is served on /metrics."""

    targets: dict[str, str]
    options: ExporterOptions = field(default_factory=ExporterOptions)
    collectors: dict[str, DatabaseCollector] = field(init=False)

    def __post_init__(self) -> None:
        if not self.targets:
            raise UsageError("the exporter needs a database: pass --dsn or --target NAME=DSN")
        self.collectors = {
            name: DatabaseCollector(dsn, self.options) for name, dsn in sorted(self.targets.items())
        }

    def metrics(self, target: str) -> bytes:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self.collectors[target])
        return generate_latest(registry)

    def ready(self, target: str) -> str | None:
        """None when the target answers, else why it does not."""
        options = SessionOptions(
            statement_timeout_ms=READY_TIMEOUT_MS,
            lock_timeout_ms=self.options.lock_timeout_ms,
            application_name="pgsage-exporter",
        )
        try:
            with connect(self.collectors[target].session_dsn(), options) as conn:
                conn.execute("SELECT 1")
        except PgsageError as exc:
            return str(exc)
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/health":
            return _reply(start_response, "200 OK", b"ok\n")
        if path in ("/metrics", "/probe", "/ready"):
            wanted = query.get("target", [None])[0]
            if path == "/probe" and not wanted:
                return _reply(start_response, "400 Bad Request", b"/probe needs ?target=NAME\n")
            target = wanted or DEFAULT_TARGET
            if target not in self.collectors:
                known = ", ".join(sorted(self.collectors)) or "none"
                return _reply(
                    start_response,
                    "404 Not Found",
                    f"unknown target {target!r}; configured: {known}\n".encode(),
                )
            if path == "/ready":
                reason = self.ready(target)
                if reason is None:
                    return _reply(start_response, "200 OK", b"ready\n")
                return _reply(
                    start_response, "503 Service Unavailable", f"not ready: {reason}\n".encode()
                )
            return _reply(start_response, "200 OK", self.metrics(target), CONTENT_TYPE_LATEST)
        if path == "/":
            body = (
                "pgsage exporter\n/metrics /probe?target=NAME /health /ready\n"
                f"targets: {', '.join(sorted(self.collectors))}\n"
            ).encode()
            return _reply(start_response, "200 OK", body)
        return _reply(start_response, "404 Not Found", b"not found\n")


def _reply(
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str = "text/plain; charset=utf-8",
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


# A client gets this long to send its request (and to read the reply) before its connection
# is closed: idle or trickling connections cannot pin a thread for longer.
CLIENT_TIMEOUT_S = 10.0
# At most this many requests are served at once; more wait in the listen backlog.
MAX_CLIENTS = 64


class BoundedThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A thread per request, at most ``max_clients`` at a time."""

    daemon_threads = True
    max_clients = MAX_CLIENTS

    def server_activate(self) -> None:
        super().server_activate()
        self._slots = threading.BoundedSemaphore(self.max_clients)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._slots.acquire()  # the accept loop waits here while every slot is taken
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or went away mid-request: nothing to report but in debug.
        log.debug("request from %s ended early", client_address, exc_info=True)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class QuietHandler(WSGIRequestHandler):
    timeout = CLIENT_TIMEOUT_S  # socket timeout for reading the request and writing the reply

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


def make_http_server(
    exporter: Exporter,
    listen: str,
    port: int,
    *,
    max_clients: int = MAX_CLIENTS,
    client_timeout_s: float = CLIENT_TIMEOUT_S,
) -> WSGIServer:
    server_class = type(
        "ExporterHTTPServer", (BoundedThreadingWSGIServer,), {"max_clients": max_clients}
    )
    handler_class = type("ExporterRequestHandler", (QuietHandler,), {"timeout": client_timeout_s})
    try:
        return make_server(
            listen, port, exporter, server_class=server_class, handler_class=handler_class
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {listen}:{port}: {exc.strerror}") from None
