"""A prometheus-client collector that reads one database per scrape.

Every scrape opens one read-only session (``pgsage.db.connect``: statement and lock timeouts,
``default_transaction_read_only``), runs the metric groups in a fixed order under one time
budget, and closes the session. Before each group the session's ``statement_timeout`` is cut
to what is left of the budget, so a slow catalog can cost at most the budget; the groups the
budget did not reach, and the ones that failed, are reported by the self-metrics
(``pgsage_exporter_collector_success == 0``) while the others are still exported.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector
from psycopg import conninfo, sql
from psycopg.rows import DictRow, dict_row

from pgsage import __version__
from pgsage.db.connect import SessionOptions, connect, one_line, redact, validate_dsn
from pgsage.errors import PgsageError
from pgsage.exporter.queries import load_query

log = logging.getLogger("pgsage.exporter")

Metric = GaugeMetricFamily | CounterMetricFamily | InfoMetricFamily
Row = dict[str, Any]

# Session states pg_stat_activity reports; each is exported, at 0 when absent, so that a state's
# series does not vanish when its last session ends.
SESSION_STATES = (
    "active",
    "disabled",
    "fastpath function call",
    "idle",
    "idle in transaction",
    "idle in transaction (aborted)",
)
XID_LIMIT = 2**31
# Below this much budget left, a group is not started: it could not finish anyway.
MIN_GROUP_MS = 5


@dataclass(frozen=True)
class ExporterOptions:
    budget_s: float = 5.0
    lock_timeout_ms: int = 100
    top_tables: int = 50
    top_statements: int = 50
    top_sequences: int = 20
    top_vector_indexes: int = 20
    include_query_text: bool = False
    # Facts too costly to read on every scrape of a big catalog, and slow to change.
    size_interval_s: float = 60.0  # pg_database_size: stats every file of the database
    catalog_interval_s: float = 300.0  # which sequences can run out (owning columns' types)


@dataclass
class TimedCache:
    """Values kept between scrapes for a while; it belongs to one collector (one target)."""

    entries: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def get(self, key: str, ttl_s: float, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        found = self.entries.get(key)
        if found is not None and now - found[0] < ttl_s:
            return found[1]
        value = compute()
        self.entries[key] = (now, value)
        return value


class BudgetExhausted(Exception):
    """The scrape's time budget ran out before a group could start."""


@dataclass
class Scrape:
    """One scrape's session, server facts and deadline, handed to every group."""

    conn: psycopg.Connection[Any]
    options: ExporterOptions
    deadline: float
    major: int = 0
    server: Row | None = None
    cache: TimedCache = field(default_factory=TimedCache)

    def remaining_ms(self) -> int:
        return int((self.deadline - time.perf_counter()) * 1000)

    def rows(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        fragments: Mapping[str, sql.Composable] | None = None,
    ) -> list[Row]:
        left = self.remaining_ms()
        if left < MIN_GROUP_MS:
            raise BudgetExhausted(f"time budget exhausted before {name}")
        self.conn.execute(
            "SELECT pg_catalog.set_config('statement_timeout', %s, false)", [f"{left}ms"]
        )
        text = load_query(name, self.major)
        template = sql.SQL(text)  # our own files, never user input
        query = template.format(**fragments) if fragments else template
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            found: list[DictRow] = cur.fetchall()
        return [dict(row) for row in found]


def gauge(name: str, doc: str, labels: Sequence[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


def counter(name: str, doc: str, labels: Sequence[str] = ()) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, labels=list(labels))


def add(
    family: GaugeMetricFamily | CounterMetricFamily, labels: Sequence[str], value: float | None
) -> None:
    """Add a sample unless the value is unknown (NULL): no sample rather than a made-up 0."""
    if value is not None:
        family.add_metric(list(labels), float(value))


# -- the groups -----------------------------------------------------------------------------


def server_group(scrape: Scrape) -> list[Metric]:
    row = scrape.rows("server")[0]
    scrape.server = row
    info = InfoMetricFamily(
        "pgsage_server",
        "The server's version and the database scraped",
        labels=["version", "database"],
    )
    version = f"{row['version_num'] // 10000}.{row['version_num'] % 100}"
    info.add_metric([version, row["database"]], {})
    families: list[Metric] = [info]
    for name, doc, value in (
        ("pgsage_server_version_num", "server_version_num", row["version_num"]),
        ("pgsage_max_connections", "The max_connections setting", row["max_connections"]),
        (
            "pgsage_autovacuum_freeze_max_age",
            "The autovacuum_freeze_max_age setting",
            row["freeze_max_age"],
        ),
        (
            "pgsage_autovacuum_multixact_freeze_max_age",
            "The autovacuum_multixact_freeze_max_age setting",
            row["mxid_freeze_max_age"],
        ),
        (
            "pgsage_in_recovery",
            "1 on a standby (in recovery), 0 on a primary",
            int(row["in_recovery"]),
        ),
        ("pgsage_start_time_seconds", "When the server started, Unix time", row["start_time"]),
        (
            "pgsage_wal_position_bytes",
            "The current WAL position in bytes (primary only)",
            row["wal_lsn_bytes"],
        ),
        (
            "pgsage_standby_replay_delay_seconds",
            "Time since the last transaction replayed on this standby (standby only)",
            row["replay_delay_s"],
        ),
    ):
        family = gauge(name, doc)
        add(family, [], value)
        families.append(family)
    return families


def size_group(scrape: Scrape) -> list[Metric]:
    # Last in the scrape: on a big catalog it is the costliest read, and it can wait for the
    # next interval if the budget has run out.
    size = gauge(
        "pgsage_database_size_bytes",
        "Size of the scraped database (measured at most once per size interval)",
        ["database"],
    )
    measured = scrape.cache.get(
        "database_size", scrape.options.size_interval_s, lambda: scrape.rows("database_size")[0]
    )
    add(size, [measured["database"]], measured["bytes"])
    return [size]


def activity_group(scrape: Scrape) -> list[Metric]:
    rows = scrape.rows("activity")
    by_state = {state: 0 for state in SESSION_STATES} | {r["state"]: r["sessions"] for r in rows}
    connections = gauge("pgsage_connections", "Client sessions by state", ["state"])
    for state in sorted(by_state):
        connections.add_metric([state], by_state[state])
    total = sum(by_state.values())
    max_connections = (scrape.server or {}).get("max_connections") or 0
    ratio = gauge("pgsage_connections_used_ratio", "Client sessions as a share of max_connections")
    add(ratio, [], total / max_connections if max_connections else None)
    families: list[Metric] = [connections, ratio]
    idle_xact = sum(r["sessions"] for r in rows if r["state"].startswith("idle in transaction"))
    for name, doc, value in (
        ("pgsage_idle_in_transaction_connections", "Sessions idle inside a transaction", idle_xact),
        ("pgsage_lock_waits", "Sessions waiting for a lock", sum(r["lock_waits"] for r in rows)),
        (
            "pgsage_oldest_transaction_seconds",
            "Age of the oldest open transaction",
            max((r["oldest_xact_s"] for r in rows), default=0),
        ),
        (
            "pgsage_oldest_query_seconds",
            "Run time of the longest running statement",
            max((r["oldest_query_s"] for r in rows), default=0),
        ),
        (
            "pgsage_oldest_idle_in_transaction_seconds",
            "How long the longest idle-in-transaction session has been idle",
            max((r["oldest_idle_xact_s"] for r in rows), default=0),
        ),
    ):
        family = gauge(name, doc)
        family.add_metric([], value)
        families.append(family)
    return families


DATABASE_COUNTERS = (
    ("xact_commit", "Transactions committed"),
    ("xact_rollback", "Transactions rolled back"),
    ("blks_read", "Blocks read from outside shared buffers"),
    ("blks_hit", "Blocks found in shared buffers"),
    ("tup_returned", "Rows returned by sequential and bitmap scans"),
    ("tup_fetched", "Rows fetched by index scans"),
    ("tup_inserted", "Rows inserted"),
    ("tup_updated", "Rows updated"),
    ("tup_deleted", "Rows deleted"),
    ("conflicts", "Queries cancelled by recovery conflicts"),
    ("temp_files", "Temporary files written"),
    ("temp_bytes", "Bytes written to temporary files"),
    ("deadlocks", "Deadlocks detected"),
)


def databases_group(scrape: Scrape) -> list[Metric]:
    rows = scrape.rows("databases")
    label = ["database"]
    backends = gauge("pgsage_database_backends", "Sessions connected to the database", label)
    counters = {
        key: counter(f"pgsage_database_{key}_total", doc, label) for key, doc in DATABASE_COUNTERS
    }
    hit_ratio = gauge(
        "pgsage_database_cache_hit_ratio",
        "Share of block reads served from shared buffers since the stats reset",
        label,
    )
    xid_age = gauge(
        "pgsage_database_xid_age", "age(datfrozenxid): transactions since freezing", label
    )
    mxid_age = gauge("pgsage_database_mxid_age", "mxid_age(datminmxid)", label)
    wraparound = gauge(
        "pgsage_database_wraparound_ratio",
        "The larger of the xid and multixact ages as a share of 2^31",
        label,
    )
    for row in rows:
        labels = [row["database"]]
        backends.add_metric(labels, row["backends"])
        for key, family in counters.items():
            add(family, labels, row[key])
        reads = row["blks_hit"] + row["blks_read"]
        add(hit_ratio, labels, row["blks_hit"] / reads if reads else None)
        add(xid_age, labels, row["xid_age"])
        add(mxid_age, labels, row["mxid_age"])
        add(wraparound, labels, max(row["xid_age"], row["mxid_age"]) / XID_LIMIT)
    return [backends, *counters.values(), hit_ratio, xid_age, mxid_age, wraparound]


TABLE_METRICS: tuple[tuple[str, str, str, Callable[[str, str, Sequence[str]], Any]], ...] = (
    ("total_bytes", "pgsage_table_size_bytes", "Total size with TOAST and indexes", gauge),
    ("live_tuples", "pgsage_table_live_tuples", "Estimated live rows", gauge),
    ("dead_tuples", "pgsage_table_dead_tuples", "Estimated dead rows", gauge),
    ("seq_scans", "pgsage_table_seq_scans_total", "Sequential scans", counter),
    (
        "seq_tuples_read",
        "pgsage_table_seq_tuples_read_total",
        "Rows read by sequential scans",
        counter,
    ),
    (
        "index_scans",
        "pgsage_table_index_scans_total",
        "Index scans over the table's indexes",
        counter,
    ),
    (
        "tuples_written",
        "pgsage_table_tuples_written_total",
        "Rows inserted, updated or deleted",
        counter,
    ),
    ("vacuums", "pgsage_table_vacuums_total", "Manual and automatic vacuums", counter),
    (
        "last_vacuum_time",
        "pgsage_table_last_vacuum_timestamp_seconds",
        "When the table was last vacuumed (manually or by autovacuum), Unix time",
        gauge,
    ),
    (
        "last_analyze_time",
        "pgsage_table_last_analyze_timestamp_seconds",
        "When the table was last analyzed, Unix time",
        gauge,
    ),
    ("xid_age", "pgsage_table_xid_age", "age(relfrozenxid)", gauge),
)


def tables_group(scrape: Scrape) -> list[Metric]:
    found = scrape.rows("tables", {"limit": scrape.options.top_tables})
    totals = found[0]  # the counts come with every row, and with a lone row of NULL names
    rows = [row for row in found if row["schema"] is not None]
    labels = ["schema", "table"]
    families = {
        column: make(name, doc + " (top-K tables)", labels)
        for column, name, doc, make in TABLE_METRICS
    }
    dead_ratio = gauge(
        "pgsage_table_dead_tuple_ratio", "Dead rows as a share of all rows (top-K tables)", labels
    )
    for row in rows:
        names = [row["schema"], row["name"]]
        for column, family in families.items():
            add(family, names, row[column])
        rows_total = row["live_tuples"] + row["dead_tuples"]
        add(dead_ratio, names, row["dead_tuples"] / rows_total if rows_total else 0.0)
    result: list[Metric] = [*families.values(), dead_ratio]
    for name, doc, value in (
        ("pgsage_tables", "User tables and materialized views in the database", totals["tables"]),
        (
            "pgsage_tables_reported",
            "Tables exported per table (the top-K by size and by dead rows)",
            len(rows),
        ),
        (
            "pgsage_tables_dead_tuples",
            "Estimated dead rows over all tables",
            totals["all_dead_tuples"],
        ),
        (
            "pgsage_tables_live_tuples",
            "Estimated live rows over all tables",
            totals["all_live_tuples"],
        ),
        ("pgsage_sequences", "Sequences in the database", (scrape.server or {})["sequences"]),
    ):
        family = gauge(name, doc)
        family.add_metric([], value)
        result.append(family)
    return result


def sequences_group(scrape: Scrape) -> list[Metric]:
    limits = scrape.cache.get(
        "sequence_limits", scrape.options.catalog_interval_s, lambda: scrape.rows("sequence_limits")
    )
    rows = scrape.rows(
        "sequences",
        {
            "oids": [r["oid"] for r in limits],
            "limits": [r["upper_limit"] for r in limits],
            "limit": scrape.options.top_sequences,
        },
    )
    labels = ["schema", "sequence"]
    used = gauge(
        "pgsage_sequence_used_ratio",
        "Share of the reachable range used (the sequence's or its column's maximum); top-K",
        labels,
    )
    last = gauge("pgsage_sequence_last_value", "The sequence's last value (top-K)", labels)
    limit = gauge(
        "pgsage_sequence_max_value",
        "The reachable maximum: the sequence's or its integer column's (top-K)",
        labels,
    )
    for row in rows:
        names = [row["schema"], row["name"]]
        add(used, names, row["used_ratio"])
        add(last, names, row["last_value"])
        add(limit, names, row["upper_limit"])
    return [used, last, limit]


def replication_group(scrape: Scrape) -> list[Metric]:
    rows = scrape.rows("replication")
    labels = ["application_name", "client_addr"]
    standbys = gauge("pgsage_replication_standbys", "Standbys streaming from this server")
    standbys.add_metric([], len(rows))
    lag = gauge(
        "pgsage_replication_lag_seconds",
        "Standby lag by stage (write, flush, replay)",
        [*labels, "stage"],
    )
    lag_bytes = gauge(
        "pgsage_replication_lag_bytes", "WAL bytes not yet replayed by the standby", labels
    )
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row["application_name"], row["client_addr"])
        if key in seen:  # two walsenders for one standby: the first (lowest pid) is kept
            continue
        seen.add(key)
        for stage in ("write", "flush", "replay"):
            # A NULL lag means the standby is caught up and idle: 0, not unknown.
            lag.add_metric([*key, stage], row[f"{stage}_lag_s"] or 0.0)
        add(lag_bytes, list(key), row["replay_lag_bytes"])
    slots = scrape.rows("slots")
    slot_labels = ["slot_name", "slot_type", "database"]
    active = gauge(
        "pgsage_replication_slot_active", "1 when a consumer is attached to the slot", slot_labels
    )
    retained = gauge(
        "pgsage_replication_slot_retained_bytes",
        "WAL the slot keeps from being removed",
        slot_labels,
    )
    for row in slots:
        names = [row["slot_name"], row["slot_type"], row["database"]]
        active.add_metric(names, int(row["active"]))
        add(retained, names, row["retained_bytes"])
    return [standbys, lag, lag_bytes, active, retained]


def wal_group(scrape: Scrape) -> list[Metric]:
    row = scrape.rows("wal")[0]
    families: list[Metric] = []
    for column, name, doc in (
        ("records", "pgsage_wal_records_total", "WAL records generated"),
        ("full_page_images", "pgsage_wal_fpi_total", "WAL full-page images generated"),
        ("bytes", "pgsage_wal_bytes_total", "WAL bytes generated"),
        ("buffers_full", "pgsage_wal_buffers_full_total", "Times WAL buffers were full"),
    ):
        family = counter(name, doc)
        add(family, [], row[column])
        families.append(family)
    return families


def checkpoints_group(scrape: Scrape) -> list[Metric]:
    row = scrape.rows("checkpoints")[0]
    families: list[Metric] = []
    for column, name, doc in (
        ("timed", "pgsage_checkpoints_timed_total", "Scheduled checkpoints"),
        (
            "requested",
            "pgsage_checkpoints_requested_total",
            "Requested checkpoints (max_wal_size reached, CHECKPOINT, ...)",
        ),
        ("write_s", "pgsage_checkpoint_write_seconds_total", "Time spent writing checkpoints"),
        ("sync_s", "pgsage_checkpoint_sync_seconds_total", "Time spent syncing checkpoints"),
        (
            "buffers_written",
            "pgsage_checkpoint_buffers_written_total",
            "Buffers written by checkpoints",
        ),
    ):
        family = counter(name, doc)
        add(family, [], row[column])
        families.append(family)
    return families


STATEMENT_COUNTERS = (
    ("calls", "calls", "Executions"),
    ("exec_s", "exec_seconds", "Execution time"),
    ("rows", "rows", "Rows returned or affected"),
    ("shared_blks_hit", "shared_blks_hit", "Shared blocks found in the buffer cache"),
    ("shared_blks_read", "shared_blks_read", "Shared blocks read"),
    ("temp_blks_written", "temp_blks_written", "Temporary blocks written"),
)


def statements_group(scrape: Scrape) -> list[Metric]:
    server = scrape.server or {}
    fragments = {
        "schema": sql.Identifier(server["pgss_schema"]),
        # Nested statements (pg_stat_statements.track = all) would count twice in the sums.
        "toplevel": sql.SQL(
            "toplevel" if _version_at_least(server["pgss_version"], (1, 9)) else "true"
        ),
    }
    totals = scrape.rows("statements_totals", fragments=fragments)[0]
    families: list[Metric] = []
    entries = gauge("pgsage_statements_entries", "pg_stat_statements entries for this database")
    entries.add_metric([], totals["entries"])
    families.append(entries)
    for column, name, doc in STATEMENT_COUNTERS:
        family = counter(f"pgsage_statements_{name}_total", f"{doc}, all statements")
        family.add_metric([], totals[column])
        families.append(family)
    with_text = scrape.options.include_query_text
    top = scrape.rows(
        "statements_top",
        {"limit": scrape.options.top_statements},
        {**fragments, "with_text": sql.Literal(with_text)},
    )
    per_statement = {
        column: counter(f"pgsage_statement_{name}_total", f"{doc} (top-K by time)", ["queryid"])
        for column, name, doc in STATEMENT_COUNTERS
    }
    mean = gauge(
        "pgsage_statement_mean_seconds", "Mean execution time (top-K by time)", ["queryid"]
    )
    info = InfoMetricFamily(
        "pgsage_statement", "The normalised text of a top-K statement", labels=["queryid", "query"]
    )
    for row in top:
        labels = [row["queryid"]]
        for column, family in per_statement.items():
            family.add_metric(labels, row[column])
        add(mean, labels, row["exec_s"] / row["calls"] if row["calls"] else None)
        if with_text and row["query"] is not None:
            info.add_metric([row["queryid"], " ".join(row["query"].split())[:200]], {})
    families += [*per_statement.values(), mean]
    if with_text:
        families.append(info)
    return families


def vector_group(scrape: Scrape) -> list[Metric]:
    rows = scrape.rows("vector", {"limit": scrape.options.top_vector_indexes})
    labels = ["schema", "table", "index", "method"]
    count = gauge("pgsage_vector_indexes", "pgvector indexes (HNSW, IVFFlat) in the database")
    count.add_metric([], rows[0]["vector_indexes"] if rows else 0)
    size = gauge("pgsage_vector_index_size_bytes", "Size of the vector index (top-K)", labels)
    scans = counter("pgsage_vector_index_scans_total", "Scans of the vector index (top-K)", labels)
    read = counter(
        "pgsage_vector_index_tuples_read_total",
        "Index entries returned by scans of the vector index (top-K)",
        labels,
    )
    estimated = gauge(
        "pgsage_vector_index_rows", "Estimated entries in the vector index (top-K)", labels
    )
    for row in rows:
        names = [row["schema"], row["table"], row["index"], row["method"]]
        add(size, names, row["size_bytes"])
        add(scans, names, row["scans"])
        add(read, names, row["tuples_read"])
        add(estimated, names, row["estimated_rows"])
    return [count, size, scans, read, estimated]


def _version_at_least(version: str | None, wanted: tuple[int, ...]) -> bool:
    if not version:
        return False
    try:
        return tuple(int(part) for part in version.split(".")) >= wanted
    except ValueError:
        return False


def _needs_statements(scrape: Scrape) -> str | None:
    return (
        None
        if (scrape.server or {}).get("pgss_schema")
        else "pg_stat_statements is not installed in this database"
    )


def _needs_pg14(scrape: Scrape) -> str | None:
    return None if scrape.major >= 14 else "pg_stat_wal needs PostgreSQL 14"


@dataclass(frozen=True)
class Group:
    name: str
    collect: Callable[[Scrape], list[Metric]]
    applies: Callable[[Scrape], str | None] = lambda scrape: None


# The order is the order of the scrape: the cheap, alert-critical groups come first, so that a
# budget cut drops the per-object detail, not the connection and transaction-age figures.
GROUPS = (
    Group("server", server_group),
    Group("activity", activity_group),
    Group("databases", databases_group),
    Group("replication", replication_group),
    Group("wal", wal_group, _needs_pg14),
    Group("checkpoints", checkpoints_group),
    Group("statements", statements_group, _needs_statements),
    Group("tables", tables_group),
    Group("sequences", sequences_group),
    Group("vector", vector_group),
    Group("size", size_group),
)


# -- the collector --------------------------------------------------------------------------


class DatabaseCollector(Collector):
    """Collects one database's metrics per scrape; safe to call from several threads (scrapes of
    one target are serialised, so an impatient Prometheus never stacks up sessions)."""

    def __init__(self, dsn: str, options: ExporterOptions | None = None) -> None:
        validate_dsn(dsn)
        self.dsn = dsn
        self.options = options or ExporterOptions()
        self.cache = TimedCache()
        self._lock = threading.Lock()
        # Why the last scrape could not read the database (None when it could): for --once.
        self.last_error: str | None = None

    def describe(self) -> Iterable[Metric]:
        return []  # never connect just to be registered

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            yield from self.scrape()

    def session_dsn(self) -> str:
        params = validate_dsn(self.dsn)
        extra = (
            {}
            if "connect_timeout" in params
            else {"connect_timeout": str(max(2, math.ceil(self.options.budget_s)))}
        )
        return conninfo.make_conninfo(self.dsn, **extra)

    def scrape(self) -> list[Metric]:
        started = time.perf_counter()
        budget_ms = max(1, int(self.options.budget_s * 1000))
        durations = gauge(
            "pgsage_exporter_collector_duration_seconds",
            "Time each metric group took in this scrape",
            ["collector"],
        )
        success = gauge(
            "pgsage_exporter_collector_success",
            "1 when the group was collected in this scrape, 0 when it failed or the "
            "time budget ran out",
            ["collector"],
        )
        families: list[Metric] = []
        up = 0
        self.last_error = None
        session = SessionOptions(
            statement_timeout_ms=budget_ms,
            lock_timeout_ms=self.options.lock_timeout_ms,
            application_name="pgsage-exporter",
        )
        try:
            with connect(self.session_dsn(), session) as conn:
                scrape = Scrape(
                    conn,
                    self.options,
                    started + self.options.budget_s,
                    major=conn.info.server_version // 10000,
                    cache=self.cache,
                )
                up = 1
                for group in GROUPS:
                    if group.name != "server" and scrape.server is None:
                        break  # without the server facts nothing else is meaningful
                    if group.applies(scrape) is not None:
                        continue
                    group_started = time.perf_counter()
                    ok = self._run_group(group, scrape, families)
                    durations.add_metric([group.name], time.perf_counter() - group_started)
                    success.add_metric([group.name], 1 if ok else 0)
                if scrape.server is None:
                    up = 0
                    self.last_error = "the server facts could not be read (see the log)"
        except PgsageError as exc:
            up = 0
            self.last_error = str(exc)
            log.warning("pgsage exporter: cannot scrape %s: %s", redact(self.dsn), exc)
        families += self._self_metrics(up, time.perf_counter() - started, durations, success)
        return families

    def _run_group(self, group: Group, scrape: Scrape, families: list[Metric]) -> bool:
        try:
            families.extend(group.collect(scrape))
        except BudgetExhausted as exc:
            log.warning("pgsage exporter: %s", exc)
            return False
        except psycopg.Error as exc:
            log.warning("pgsage exporter: group %s failed: %s", group.name, one_line(str(exc)))
            if scrape.conn.closed or scrape.conn.broken:
                raise PgsageError(f"connection lost during {group.name}") from None
            return False
        except Exception as exc:  # a bug in one group must not take the others down
            log.warning(
                "pgsage exporter: group %s failed: %s: %s", group.name, type(exc).__name__, exc
            )
            return False
        return True

    def _self_metrics(
        self, up: int, seconds: float, durations: GaugeMetricFamily, success: GaugeMetricFamily
    ) -> list[Metric]:
        up_family = gauge("pgsage_up", "1 when the database could be reached and read")
        up_family.add_metric([], up)
        scrape_time = gauge(
            "pgsage_exporter_scrape_duration_seconds",
            "Time the whole scrape took, connecting included",
        )
        scrape_time.add_metric([], seconds)
        budget = gauge("pgsage_exporter_scrape_budget_seconds", "The scrape's time budget")
        budget.add_metric([], self.options.budget_s)
        top_k = gauge("pgsage_exporter_top_k", "The limit of per-object series by kind", ["kind"])
        for kind, value in (
            ("statements", self.options.top_statements),
            ("sequences", self.options.top_sequences),
            ("tables", self.options.top_tables),
            ("vector_indexes", self.options.top_vector_indexes),
        ):
            top_k.add_metric([kind], value)
        info = InfoMetricFamily("pgsage_exporter", "The exporter's version", labels=["version"])
        info.add_metric([__version__], {})
        return [up_family, scrape_time, budget, durations, success, top_k, info]
