"""Prometheus metrics (prometheus-client, the ``instrument`` extra).

* ``db_query_duration_seconds{statement}`` — histogram; ``statement`` is a readable name
  ("SELECT users"). Cardinality is bounded: the first ``top_k`` statement shapes get a label
  each (a later shape whose name is taken gets the name plus a fingerprint prefix), every
  other shape is counted as ``other``. Labels are never reassigned, so a series keeps its
  meaning for the life of the process.
* ``db_query_errors_total{sqlstate_class}`` — counter, by the first two SQLSTATE characters.
* ``db_pool_size``, ``db_pool_checked_out``, ``db_pool_checked_in``, ``db_pool_overflow``
  ``{pool}`` — gauges read from the pool at scrape time by a custom collector.
* ``db_pool_checkout_wait_seconds{pool}`` — histogram of the time ``Pool.connect()`` takes
  (waiting for a free connection, opening a new one, pre-ping).
* ``db_pool_checkout_timeouts_total{pool}`` — counter of checkouts that gave up.
* ``db_pool_connections_opened_total{pool}`` — counter of new DBAPI connections.
"""

from __future__ import annotations

import contextlib
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pgsage.errors import UsageError
from pgsage.instrument.pool import PoolWatch, pool_stats
from pgsage.instrument.shape import StatementShape

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric

OTHER = "other"
DEFAULT_TOP_K = 50
QUERY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)
CHECKOUT_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0)
POOL_GAUGES = (
    ("db_pool_size", "Connections the pool keeps open (pool_size)", "size"),
    ("db_pool_checked_out", "Connections currently checked out of the pool", "checked_out"),
    ("db_pool_checked_in", "Idle connections currently in the pool", "checked_in"),
    ("db_pool_overflow", "Connections open beyond pool_size", "overflow"),
)


def _bound_label(value: float) -> str:
    """A bucket bound as Prometheus writes it ("0.005", "1.0", "+Inf")."""
    return "+Inf" if value == float("inf") else repr(float(value))


def _prometheus() -> Any:
    try:
        import prometheus_client
    except ImportError:
        raise UsageError(
            "metrics need prometheus-client: pip install 'pgsage[instrument]', "
            "or pass metrics=False"
        ) from None
    return prometheus_client


class _Buckets:
    """One label's histogram. prometheus-client's Histogram.observe costs five Python calls
    and two locks per observation; this is one call, a C bisect and one lock, and it is
    exposed as an ordinary histogram by :class:`DurationCollector`."""

    __slots__ = ("bounds", "counts", "lock", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.total = 0.0
        self.lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        index = bisect_left(self.bounds, seconds)
        with self.lock:
            self.counts[index] += 1
            self.total += seconds

    def snapshot(self) -> tuple[list[int], float]:
        with self.lock:
            return list(self.counts), self.total


class DurationCollector:
    """``db_query_duration_seconds{statement}``, read at scrape time."""

    name = "db_query_duration_seconds"
    documentation = "SQL statement execution time, by statement shape"

    def __init__(self, buckets: tuple[float, ...] = QUERY_BUCKETS) -> None:
        self.bounds = tuple(sorted(buckets))
        self._children: dict[str, _Buckets] = {}
        self._lock = threading.Lock()

    def child(self, label: str) -> _Buckets:
        with self._lock:
            found = self._children.get(label)
            if found is None:
                found = self._children[label] = _Buckets(self.bounds)
            return found

    def describe(self) -> Iterable[Metric]:
        from prometheus_client.core import HistogramMetricFamily

        return [HistogramMetricFamily(self.name, self.documentation, labels=["statement"])]

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import HistogramMetricFamily

        family = HistogramMetricFamily(self.name, self.documentation, labels=["statement"])
        with self._lock:
            children = list(self._children.items())
        for label, child in children:
            counts, total = child.snapshot()
            cumulative, running = [], 0
            for bound, count in zip([*self.bounds, float("inf")], counts, strict=True):
                running += count
                cumulative.append((_bound_label(bound), running))
            family.add_metric([label], cumulative, total)
        yield family


class PoolCollector:
    """Reads every registered pool when Prometheus scrapes."""

    def __init__(self) -> None:
        self._pools: dict[str, tuple[Callable[[], Any], PoolWatch | None]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, source: Callable[[], Any], watch: PoolWatch | None) -> None:
        with self._lock:
            if name in self._pools:
                raise UsageError(
                    f"a pool named {name!r} is already exported by these metrics; "
                    "pass name=... to instrument()"
                )
            self._pools[name] = (source, watch)

    def discard(self, name: str) -> None:
        with self._lock:
            self._pools.pop(name, None)

    def describe(self) -> Iterable[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        return [GaugeMetricFamily(n, h, labels=["pool"]) for n, h, _ in POOL_GAUGES]

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        families = [GaugeMetricFamily(n, h, labels=["pool"]) for n, h, _ in POOL_GAUGES]
        with self._lock:
            pools = list(self._pools.items())
        for name, (source, watch) in pools:
            try:
                stats = pool_stats(source())
                if stats is None:
                    continue
                if watch is not None:
                    watch.check(stats)
            except Exception:  # a scrape must never fail because of one pool
                continue
            for family, (_, _, attribute) in zip(families, POOL_GAUGES, strict=True):
                family.add_metric([name], getattr(stats, attribute))
        yield from families


class QueryMetrics:
    """The metric objects, registered in ``registry`` (default: prometheus-client's global
    one). Share one instance between instrumentations of several engines on one registry."""

    def __init__(
        self, registry: CollectorRegistry | None = None, *, top_k: int = DEFAULT_TOP_K
    ) -> None:
        prom = _prometheus()
        self.registry: CollectorRegistry = prom.REGISTRY if registry is None else registry
        self.top_k = top_k
        self.duration = DurationCollector()
        self.errors = prom.Counter(
            "db_query_errors_total",
            "Failed SQL statements, by SQLSTATE class",
            ["sqlstate_class"],
            registry=None,
        )
        self.checkout_wait = prom.Histogram(
            "db_pool_checkout_wait_seconds",
            "Time to get a connection from the pool (waiting, connecting, pre-ping)",
            ["pool"],
            registry=None,
            buckets=CHECKOUT_BUCKETS,
        )
        self.checkout_timeouts = prom.Counter(
            "db_pool_checkout_timeouts_total",
            "Pool checkouts that timed out",
            ["pool"],
            registry=None,
        )
        self.connections_opened = prom.Counter(
            "db_pool_connections_opened_total",
            "New DBAPI connections opened by the pool",
            ["pool"],
            registry=None,
        )
        self.pools = PoolCollector()
        self._collectors: list[Any] = [
            self.duration,
            self.errors,
            self.checkout_wait,
            self.checkout_timeouts,
            self.connections_opened,
            self.pools,
        ]
        self._labels: dict[str, str] = {}  # fingerprint -> label, at most top_k entries
        self._taken: set[str] = set()
        self._lock = threading.Lock()
        registered = []
        try:
            for collector in self._collectors:
                self.registry.register(collector)
                registered.append(collector)
        except ValueError as exc:
            for collector in registered:
                self.registry.unregister(collector)
            raise UsageError(
                f"pgsage metrics are already registered in this registry ({exc}); create one "
                "QueryMetrics(registry) and pass it as metrics=... to every instrument() call"
            ) from None

    def statement_label(self, shape: StatementShape) -> str:
        with self._lock:
            label = self._labels.get(shape.fingerprint)
            if label is not None:
                return label
            if len(self._labels) >= self.top_k:
                return OTHER
            label = shape.name
            if label in self._taken or label == OTHER:
                label = f"{shape.name} [{shape.fingerprint[:8]}]"
            self._labels[shape.fingerprint] = label
            self._taken.add(label)
            return label

    def observer(self, shape: StatementShape) -> Callable[[float], None]:
        """The bound ``observe`` of this shape's histogram child (looked up once per shape)."""
        return self.duration.child(self.statement_label(shape)).observe

    def count_error(self, sqlstate: str | None) -> None:
        self.errors.labels(sqlstate[:2] if sqlstate else "unknown").inc()

    def unregister(self) -> None:
        for collector in self._collectors:
            with contextlib.suppress(KeyError):
                self.registry.unregister(collector)
