"""Every alert and recording rule, as data, in one place.

The Prometheus rules (``pgsage monitoring rules``), the monitoring plan (``pgsage monitoring
plan``) and the docs are generated from these definitions, so they never disagree. Thresholds
that an audit check also has are read from that check's defaults: an alert and an audit
finding about the same thing trip at the same point.

An expression holds ``{threshold}`` where the tier's threshold goes and ``{job}`` where the
exporter's Prometheus job name goes (text substitution, since PromQL itself uses braces).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from pgsage.checks import all_checks


class Unit(StrEnum):
    ratio = "ratio"
    seconds = "seconds"
    bytes = "bytes"
    quantity = "quantity"
    none = "none"


@dataclass(frozen=True)
class Tier:
    severity: str  # "warning" or "critical"
    threshold: float | None
    for_: str
    expr: str | None = None  # when this tier's expression differs from the alert's
    condition: str | None = None  # the plan's wording of that expression ({threshold} filled)


@dataclass(frozen=True)
class Alert:
    name: str
    group: str
    expr: str
    tiers: tuple[Tier, ...]
    summary: str
    runbook: str
    # The monitoring plan's columns (seed 000: source, metric type, threshold/alert, notes).
    source: str
    metric_type: str
    unit: Unit
    comparison: str  # how the threshold reads in the plan: ">" or "<"
    notes: str

    def tier(self, severity: str) -> Tier:
        return next(t for t in self.tiers if t.severity == severity)


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str
    help: str


@cache
def check_default(check_id: str, param: str) -> float:
    """The default of an audit check's threshold, so alerts and audits agree."""
    for check in all_checks():
        if check.id == check_id:
            for item in check.params:
                if item.name == param:
                    return float(item.default)
    raise KeyError(f"{check_id}.{param}")


EXPORTER = "PostgreSQL via `pgsage exporter`"
APP = "Application via pgsage instrumentation (SQLAlchemy)"
PROMETHEUS = "Prometheus scrape of `pgsage exporter`"

RECORDING_RULES = (
    Recording(
        "pgsage:database_blks_accessed:rate5m",
        "sum by (job, instance, database) (rate(pgsage_database_blks_hit_total[5m])"
        " + rate(pgsage_database_blks_read_total[5m]))",
        "Block reads per second, from cache or not",
    ),
    Recording(
        "pgsage:database_cache_hit:ratio_rate5m",
        "sum by (job, instance, database) (rate(pgsage_database_blks_hit_total[5m]))"
        " / pgsage:database_blks_accessed:rate5m",
        "Share of block reads served from shared buffers over 5 minutes",
    ),
    Recording(
        "pgsage:database_transactions:rate5m",
        "sum by (job, instance, database) (rate(pgsage_database_xact_commit_total[5m])"
        " + rate(pgsage_database_xact_rollback_total[5m]))",
        "Transactions per second",
    ),
    Recording(
        "pgsage:database_rollback:ratio_rate5m",
        "sum by (job, instance, database) (rate(pgsage_database_xact_rollback_total[5m]))"
        " / pgsage:database_transactions:rate5m",
        "Share of transactions rolled back (SQLAlchemy sessions roll back on close)",
    ),
    Recording(
        "pgsage:statements_mean_seconds:rate5m",
        "sum by (job, instance) (rate(pgsage_statements_exec_seconds_total[5m]))"
        " / sum by (job, instance) (rate(pgsage_statements_calls_total[5m]))",
        "Mean statement execution time over 5 minutes (pg_stat_statements)",
    ),
    Recording(
        "db:query_duration_seconds:p95_rate5m",
        "histogram_quantile(0.95, sum by (job, instance, le)"
        " (rate(db_query_duration_seconds_bucket[5m])))",
        "95th percentile of query time seen by the application",
    ),
    Recording(
        "db:query_errors:ratio_rate5m",
        "sum by (job, instance) (rate(db_query_errors_total[5m]))"
        " / (sum by (job, instance) (rate(db_query_duration_seconds_count[5m]))"
        " + sum by (job, instance) (rate(db_query_errors_total[5m])))",
        "Share of the application's statements that failed",
    ),
)


def _alerts() -> tuple[Alert, ...]:
    long_xact = check_default("long-transaction", "max_seconds")
    return (
        Alert(
            name="PostgresExporterDown",
            group="exporter",
            # =~: --job may name several jobs ("pgsage|pgsage-probe": /metrics and /probe).
            expr='up{job=~"{job}"} == 0',
            tiers=(Tier("warning", None, "1m"), Tier("critical", None, "5m")),
            summary="pgsage exporter {{ $labels.instance }} cannot be scraped",
            runbook="Check that `pgsage exporter` runs and listens where Prometheus scrapes; "
            "curl its /health and /ready.",
            source=PROMETHEUS,
            metric_type="Availability (`up`)",
            unit=Unit.none,
            comparison="==",
            notes="Without it every other alert is blind.",
        ),
        Alert(
            name="PostgresDown",
            group="exporter",
            expr="pgsage_up == 0",
            tiers=(Tier("critical", None, "1m"),),
            summary="PostgreSQL behind {{ $labels.instance }} cannot be reached",
            runbook="curl the exporter's /ready for the connection error; check the server, "
            "its max_connections and the exporter's credentials.",
            source=EXPORTER,
            metric_type="Availability (gauge `pgsage_up`)",
            unit=Unit.none,
            comparison="==",
            notes="The exporter answers but cannot connect or read.",
        ),
        Alert(
            name="PostgresExporterCollectorFailing",
            group="exporter",
            expr="pgsage_exporter_collector_success == 0",
            tiers=(Tier("warning", None, "10m"),),
            summary="pgsage exporter group {{ $labels.collector }} fails on {{ $labels.instance }}",
            runbook="Read the exporter's log for the group's error (privilege, timeout); "
            "raise --budget or lower the --top-* limits if the budget runs out.",
            source=EXPORTER,
            metric_type="Exporter health (gauge `pgsage_exporter_collector_success`)",
            unit=Unit.none,
            comparison="==",
            notes="Missing groups mean missing metrics, so silent alerts.",
        ),
        Alert(
            name="PostgresExporterScrapeSlow",
            group="exporter",
            expr="pgsage_exporter_scrape_duration_seconds > {threshold} * "
            "pgsage_exporter_scrape_budget_seconds",
            tiers=(Tier("warning", 0.8, "15m"),),
            summary="pgsage exporter scrapes of {{ $labels.instance }} take "
            "{{ $value | humanizeDuration }}, near the time budget",
            runbook="Lower --top-tables/--top-statements or raise --budget; look for lock "
            "waits on the catalogs.",
            source=EXPORTER,
            metric_type="Exporter health (gauge `pgsage_exporter_scrape_duration_seconds`)",
            unit=Unit.ratio,
            comparison=">",
            notes="Share of the scrape's time budget.",
        ),
        Alert(
            name="PostgresConnectionsHigh",
            group="connections",
            expr="pgsage_connections_used_ratio > {threshold}",
            tiers=(
                Tier("warning", check_default("connections-near-limit", "warning_ratio"), "5m"),
                Tier("critical", check_default("connections-near-limit", "error_ratio"), "2m"),
            ),
            summary="{{ $labels.instance }} uses {{ $value | humanizePercentage }} of "
            "max_connections",
            runbook="Find who holds connections (pgsage audit --select activity); put a pooler "
            "(pgbouncer) in front or lower the application pools' size.",
            source=EXPORTER + " (`pg_stat_activity`)",
            metric_type="Database connections (gauge `pgsage_connections_used_ratio`)",
            unit=Unit.ratio,
            comparison=">",
            notes="Seed 000: > 80 % of the limit. New connections fail at 100 %.",
        ),
        Alert(
            name="PostgresLongTransaction",
            group="connections",
            expr="pgsage_oldest_transaction_seconds > {threshold}",
            tiers=(
                Tier("warning", long_xact, "1m"),
                Tier("critical", check_default("long-transaction", "error_seconds"), "1m"),
            ),
            summary="A transaction on {{ $labels.instance }} has been open for "
            "{{ $value | humanizeDuration }}",
            runbook="pgsage audit --select long-transaction names the session; end it with "
            "pg_terminate_backend(pid) if it is stuck, and set "
            "idle_in_transaction_session_timeout.",
            source=EXPORTER + " (`pg_stat_activity`)",
            metric_type="Transaction age (gauge `pgsage_oldest_transaction_seconds`)",
            unit=Unit.seconds,
            comparison=">",
            notes="Seed 003: > 5 min. Holds back vacuum and can block DDL.",
        ),
        Alert(
            name="PostgresIdleInTransaction",
            group="connections",
            expr="pgsage_oldest_idle_in_transaction_seconds > {threshold}",
            tiers=(
                Tier("warning", check_default("idle-in-transaction", "min_idle_seconds"), "5m"),
                Tier("critical", check_default("idle-in-transaction", "error_idle_seconds"), "1m"),
            ),
            summary="A session on {{ $labels.instance }} has been idle in a transaction for "
            "{{ $value | humanizeDuration }}",
            runbook="The application forgot to commit or roll back; set "
            "idle_in_transaction_session_timeout (the audit proposes one).",
            source=EXPORTER + " (`pg_stat_activity`)",
            metric_type="Idle in transaction (gauge `pgsage_oldest_idle_in_transaction_seconds`)",
            unit=Unit.seconds,
            comparison=">",
            notes="Holds locks and a snapshot while doing nothing.",
        ),
        Alert(
            name="PostgresLongRunningQuery",
            group="queries",
            expr="pgsage_oldest_query_seconds > {threshold}",
            tiers=(
                Tier("warning", check_default("long-running-query", "max_seconds"), "2m"),
                Tier("critical", check_default("long-running-query", "error_seconds"), "1m"),
            ),
            summary="A statement on {{ $labels.instance }} has been running for "
            "{{ $value | humanizeDuration }}",
            runbook="pgsage audit --select long-running-query shows it; EXPLAIN it, add the "
            "index pgsage advise proposes, set a statement_timeout for the role.",
            source=EXPORTER + " (`pg_stat_activity`)",
            metric_type="Query run time (gauge `pgsage_oldest_query_seconds`)",
            unit=Unit.seconds,
            comparison=">",
            notes="One runaway statement.",
        ),
        Alert(
            name="PostgresLockWaits",
            group="connections",
            expr="pgsage_lock_waits > {threshold}",
            tiers=(
                Tier("warning", 0.0, "5m"),
                Tier("critical", check_default("lock-waits", "error_waiting_sessions"), "2m"),
            ),
            summary="{{ $value }} sessions wait for locks on {{ $labels.instance }}",
            runbook="pgsage audit --select lock-waits names the blocker; DDL belongs in "
            "migrations with a lock_timeout.",
            source=EXPORTER + " (`pg_stat_activity`)",
            metric_type="Lock waits (gauge `pgsage_lock_waits`)",
            unit=Unit.quantity,
            comparison=">",
            notes="Waits that last minutes, not moments.",
        ),
        Alert(
            name="PostgresDeadlocks",
            group="queries",
            expr="increase(pgsage_database_deadlocks_total[10m]) > {threshold}",
            tiers=(Tier("warning", 0.0, "1m"),),
            summary="Deadlocks in database {{ $labels.database }} on {{ $labels.instance }}",
            runbook="The server log has both statements; make the transactions take their "
            "locks in one order.",
            source=EXPORTER + " (`pg_stat_database`)",
            metric_type="Deadlocks (counter `pgsage_database_deadlocks_total`)",
            unit=Unit.quantity,
            comparison=">",
            notes="Per 10 minutes.",
        ),
        Alert(
            name="PostgresQueryLatencyP95High",
            group="queries",
            expr="db:query_duration_seconds:p95_rate5m > {threshold}",
            tiers=(Tier("warning", 0.5, "10m"), Tier("critical", 1.0, "10m")),
            summary="p95 query time of {{ $labels.job }} is {{ $value | humanizeDuration }}",
            runbook="pgsage audit --select queries and the instrumentation's slow-query log "
            "name the statements; pgsage advise proposes indexes.",
            source=APP,
            metric_type="Latency (histogram `db_query_duration_seconds`, p95)",
            unit=Unit.seconds,
            comparison=">",
            notes="Seed 000: p95 writes > 500 ms, analytics p95 > 1 s.",
        ),
        Alert(
            name="PostgresMeanQueryTimeHigh",
            group="queries",
            expr="pgsage:statements_mean_seconds:rate5m > {threshold}",
            tiers=(Tier("warning", 0.1, "15m"), Tier("critical", 0.5, "15m")),
            summary="Mean statement time on {{ $labels.instance }} is "
            "{{ $value | humanizeDuration }}",
            runbook="The dashboard's top statements by time name them (queryid); pgsage audit "
            "--select queries shows their text.",
            source=EXPORTER + " (`pg_stat_statements`)",
            metric_type="Latency (counters `pgsage_statements_exec_seconds_total` / "
            "`pgsage_statements_calls_total`)",
            unit=Unit.seconds,
            comparison=">",
            notes="Server side: works without instrumenting the application.",
        ),
        Alert(
            name="PostgresQueryErrorRateHigh",
            group="queries",
            expr="db:query_errors:ratio_rate5m > {threshold}",
            tiers=(Tier("warning", 0.01, "5m"), Tier("critical", 0.05, "5m")),
            summary="{{ $value | humanizePercentage }} of {{ $labels.job }}'s statements fail",
            runbook="db_query_errors_total's sqlstate_class says which kind (23 constraint, "
            "40 serialization/deadlock, 57 cancelled); the application log has them.",
            source=APP,
            metric_type="Error rate (counter `db_query_errors_total`)",
            unit=Unit.ratio,
            comparison=">",
            notes="Seed 000: error rate > 1 %.",
        ),
        Alert(
            name="PostgresReplicationLagHigh",
            group="replication",
            expr='pgsage_replication_lag_seconds{stage="replay"} > {threshold}',
            tiers=(
                Tier("warning", check_default("replica-lag", "warning_seconds"), "5m"),
                Tier("critical", check_default("replica-lag", "error_seconds"), "5m"),
            ),
            summary="Standby {{ $labels.application_name }} replays "
            "{{ $value | humanizeDuration }} behind {{ $labels.instance }}",
            runbook="Check the standby's I/O and long queries (hot_standby_feedback, "
            "max_standby_streaming_delay) and the network.",
            source=EXPORTER + " (`pg_stat_replication`)",
            metric_type="Replication lag (gauge `pgsage_replication_lag_seconds`)",
            unit=Unit.seconds,
            comparison=">",
            notes="Reads on the standby are stale.",
        ),
        Alert(
            name="PostgresReplicationSlotInactive",
            group="replication",
            expr="pgsage_replication_slot_active == 0",
            tiers=(
                Tier("warning", None, "30m"),
                Tier(
                    "critical",
                    check_default("inactive-replication-slot", "warning_bytes"),
                    "30m",
                    expr="pgsage_replication_slot_active == 0 and on (job, instance, "
                    "slot_name, slot_type, database) "
                    "pgsage_replication_slot_retained_bytes > {threshold}",
                    condition="inactive and retaining > {threshold}",
                ),
            ),
            summary="Replication slot {{ $labels.slot_name }} on {{ $labels.instance }} has "
            "no consumer",
            runbook="Reconnect the consumer or drop the slot "
            "(SELECT pg_drop_replication_slot('name')) before it fills the disk.",
            source=EXPORTER + " (`pg_replication_slots`)",
            metric_type="Inactive slots (gauge `pgsage_replication_slot_active`)",
            unit=Unit.bytes,
            comparison="==",
            notes="An abandoned slot keeps WAL forever.",
        ),
        Alert(
            name="PostgresReplicationSlotRetainingWal",
            group="replication",
            expr="pgsage_replication_slot_retained_bytes > {threshold}",
            tiers=(
                Tier("warning", check_default("inactive-replication-slot", "warning_bytes"), "15m"),
                Tier("critical", check_default("inactive-replication-slot", "error_bytes"), "5m"),
            ),
            summary="Slot {{ $labels.slot_name }} on {{ $labels.instance }} retains "
            "{{ $value | humanize1024 }}B of WAL",
            runbook="Reconnect or drop the slot; set max_slot_wal_keep_size as a safety net.",
            source=EXPORTER + " (`pg_replication_slots`)",
            metric_type="WAL retained (gauge `pgsage_replication_slot_retained_bytes`)",
            unit=Unit.bytes,
            comparison=">",
            notes="Disk fills up, then the server stops.",
        ),
        Alert(
            name="PostgresTransactionIdWraparound",
            group="maintenance",
            expr="pgsage_database_xid_age > {threshold}",
            tiers=(
                Tier(
                    "warning",
                    check_default("xid-wraparound", "warning_factor"),
                    "15m",
                    expr="pgsage_database_xid_age > on (job, instance) group_left () "
                    "({threshold} * pgsage_autovacuum_freeze_max_age)",
                    condition="> {threshold} times autovacuum_freeze_max_age",
                ),
                Tier("critical", check_default("xid-wraparound", "error_age"), "5m"),
            ),
            summary="Database {{ $labels.database }} on {{ $labels.instance }} is "
            "{{ $value | humanize }} transactions from its last freeze",
            runbook="pgsage audit --select xid-wraparound names the tables; VACUUM (FREEZE) "
            "them and look for what blocks autovacuum (long transactions, slots).",
            source=EXPORTER + " (`pg_database.datfrozenxid`)",
            metric_type="Wraparound (gauge `pgsage_database_xid_age`)",
            unit=Unit.quantity,
            comparison=">",
            notes="Warning at 1.5 times autovacuum_freeze_max_age, as the audit; at 2^31 the "
            "server stops writing.",
        ),
        Alert(
            name="PostgresMultixactWraparound",
            group="maintenance",
            expr="pgsage_database_mxid_age > {threshold}",
            tiers=(
                Tier(
                    "warning",
                    check_default("multixact-wraparound", "warning_factor"),
                    "15m",
                    expr="pgsage_database_mxid_age > on (job, instance) group_left () "
                    "({threshold} * pgsage_autovacuum_multixact_freeze_max_age)",
                    condition="> {threshold} times autovacuum_multixact_freeze_max_age",
                ),
                Tier("critical", check_default("multixact-wraparound", "error_age"), "5m"),
            ),
            summary="Database {{ $labels.database }} on {{ $labels.instance }} is "
            "{{ $value | humanize }} multixacts from its last freeze",
            runbook="VACUUM (FREEZE) the oldest tables; look for long transactions holding "
            "row locks.",
            source=EXPORTER + " (`pg_database.datminmxid`)",
            metric_type="Wraparound (gauge `pgsage_database_mxid_age`)",
            unit=Unit.quantity,
            comparison=">",
            notes="Same failure as xid wraparound; warning at 1.5 times "
            "autovacuum_multixact_freeze_max_age, as the audit.",
        ),
        Alert(
            name="PostgresSequenceExhaustion",
            group="maintenance",
            expr="pgsage_sequence_used_ratio > {threshold}",
            tiers=(
                Tier(
                    "warning", check_default("sequence-exhaustion", "warning_percent") / 100, "15m"
                ),
                Tier(
                    "critical", check_default("sequence-exhaustion", "error_percent") / 100, "15m"
                ),
            ),
            summary="Sequence {{ $labels.schema }}.{{ $labels.sequence }} on "
            "{{ $labels.instance }} has used {{ $value | humanizePercentage }} of its "
            "range",
            runbook="pgsage audit --select sequence-exhaustion gives the ALTER to bigint; plan "
            "it before inserts start failing.",
            source=EXPORTER + " (`pg_sequence`)",
            metric_type="Sequence usage (gauge `pgsage_sequence_used_ratio`)",
            unit=Unit.ratio,
            comparison=">",
            notes="Limited by the sequence or by its integer column, whichever is smaller.",
        ),
        Alert(
            name="PostgresDeadTuplesHigh",
            group="maintenance",
            expr="pgsage_table_dead_tuple_ratio > {threshold} and on (job, instance, schema, "
            "table) (pgsage_table_live_tuples + pgsage_table_dead_tuples) > "
            + str(check_default("dead-tuples", "min_rows")),
            tiers=(
                Tier("warning", check_default("dead-tuples", "max_dead_ratio"), "30m"),
                Tier("critical", check_default("dead-tuples", "error_dead_ratio"), "30m"),
            ),
            summary="{{ $value | humanizePercentage }} of {{ $labels.schema }}."
            "{{ $labels.table }}'s rows on {{ $labels.instance }} are dead",
            runbook="pgsage audit --select dead-tuples gives per-table autovacuum settings; "
            "look for long transactions holding vacuum back.",
            source=EXPORTER + " (`pg_stat_user_tables`, top-K tables)",
            metric_type="Dead tuples (gauge `pgsage_table_dead_tuple_ratio`)",
            unit=Unit.ratio,
            comparison=">",
            notes="Bloat and slower scans.",
        ),
        Alert(
            name="PostgresCacheHitRatioLow",
            group="maintenance",
            expr="pgsage:database_cache_hit:ratio_rate5m < {threshold} and "
            "pgsage:database_blks_accessed:rate5m > 100",
            tiers=(
                Tier("warning", check_default("cache-hit-database", "min_ratio"), "30m"),
                Tier("critical", 0.9, "30m"),
            ),
            summary="Cache hit ratio of {{ $labels.database }} on {{ $labels.instance }} is "
            "{{ $value | humanizePercentage }}",
            runbook="The working set outgrew shared_buffers or a query scans a big table; "
            "pgsage audit --select caching names the tables.",
            source=EXPORTER + " (`pg_stat_database`)",
            metric_type="Cache hit ratio (recording rule over `pgsage_database_blks_*_total`)",
            unit=Unit.ratio,
            comparison="<",
            notes="Only with > 100 block reads/s, so idle databases stay quiet.",
        ),
    )


ALERTS: tuple[Alert, ...] = _alerts()
