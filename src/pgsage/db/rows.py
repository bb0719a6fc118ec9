"""Typed rows of a catalog snapshot. Field names match the columns of the SQL in ``sql/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Setting:
    name: str
    setting: str | None
    unit: str | None
    source: str
    vartype: str
    boot_val: str | None
    reset_val: str | None
    pending_restart: bool


@dataclass(frozen=True)
class DatabaseStats:
    name: str
    size_bytes: int
    frozenxid_age: int
    minmxid_age: int
    numbackends: int | None
    xact_commit: int | None
    xact_rollback: int | None
    blks_read: int | None
    blks_hit: int | None
    tup_returned: int | None
    tup_fetched: int | None
    tup_inserted: int | None
    tup_updated: int | None
    tup_deleted: int | None
    conflicts: int | None
    temp_files: int | None
    temp_bytes: int | None
    deadlocks: int | None
    stats_reset: datetime | None
    postmaster_start_time: datetime
    max_connections: int
    superuser_reserved_connections: int


@dataclass(frozen=True)
class Table:
    oid: int
    schema: str
    name: str
    kind: str  # r table, p partitioned table, m materialized view
    persistence: str
    is_partition: bool
    parent: str | None
    partition_key: str | None
    reloptions: list[str]
    reltuples: float
    relpages: int
    table_bytes: int
    index_bytes: int
    total_bytes: int
    toast_bytes: int
    has_index: bool
    has_primary_key: bool
    frozenxid_age: int | None
    minmxid_age: int | None
    seq_scan: int | None
    seq_tup_read: int | None
    idx_scan: int | None
    idx_tup_fetch: int | None
    n_tup_ins: int | None
    n_tup_upd: int | None
    n_tup_del: int | None
    n_tup_hot_upd: int | None
    n_live_tup: int | None
    n_dead_tup: int | None
    n_mod_since_analyze: int | None
    n_ins_since_vacuum: int | None
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None
    vacuum_count: int | None
    autovacuum_count: int | None
    analyze_count: int | None
    autoanalyze_count: int | None
    heap_blks_read: int | None
    heap_blks_hit: int | None
    idx_blks_read: int | None
    idx_blks_hit: int | None
    toast_blks_read: int | None
    toast_blks_hit: int | None
    # Sizes from relpages (fresh: the table changed by less than a tenth of its rows since
    # VACUUM/ANALYZE set it) instead of measuring the files; see tables.sql.
    size_estimated: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def estimated_rows(self) -> float:
        """Row estimate: reltuples when the table was ever analyzed (-1 means never on PG 14+)."""
        if self.reltuples >= 0:
            return self.reltuples
        return float(self.n_live_tup or 0)


@dataclass(frozen=True)
class Column:
    table_oid: int
    schema: str
    table: str
    attnum: int
    name: str
    type: str
    type_name: str
    typmod: int
    not_null: bool
    default_expr: str | None
    identity: str
    generated: str
    type_length: int
    null_frac: float | None
    n_distinct: float | None
    correlation: float | None
    avg_width: int | None


@dataclass(frozen=True)
class Index:
    oid: int
    table_oid: int
    schema: str
    table: str
    name: str
    definition: str
    method: str
    key_count: int
    key_columns: list[str]
    include_columns: list[str]
    key_attnums: list[int]  # 0 marks an expression; key columns first, then INCLUDE columns
    opclasses: list[str]
    collations: list[str]
    options: list[int]  # indoption bits per key column: 1 DESC, 2 NULLS FIRST
    predicate: str | None
    is_unique: bool
    is_primary: bool
    is_exclusion: bool
    is_valid: bool
    is_ready: bool
    is_live: bool
    nulls_not_distinct: bool
    constraint_name: str | None
    constraint_type: str | None
    reloptions: list[str]
    reltuples: float
    size_bytes: int
    idx_scan: int | None
    idx_tup_read: int | None
    idx_tup_fetch: int | None
    last_idx_scan: datetime | None
    idx_blks_read: int | None
    idx_blks_hit: int | None
    size_estimated: bool = False  # size_bytes from relpages; see indexes.sql

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def is_constraint_backed(self) -> bool:
        return self.constraint_name is not None

    @property
    def key_has_expression(self) -> bool:
        return 0 in self.key_attnums[: self.key_count]


@dataclass(frozen=True)
class Constraint:
    oid: int
    schema: str
    table: str
    name: str
    type: str  # p primary key, f foreign key, u unique, c check, x exclusion
    columns: list[str]
    attnums: list[int]
    ref_schema: str | None
    ref_table: str | None
    ref_columns: list[str]
    validated: bool
    deferrable: bool
    index_name: str | None
    definition: str


@dataclass(frozen=True)
class Sequence:
    schema: str
    name: str
    data_type: str
    start_value: int
    min_value: int
    max_value: int
    increment_by: int
    cycle: bool
    last_value: int | None
    owner_schema: str | None
    owner_table: str | None
    owner_column: str | None
    owner_column_type: str | None
    is_identity: bool
    # False when the role may not read last_value (no SELECT or USAGE on the sequence): its
    # NULL then means "unknown", not "never used".
    last_value_readable: bool = True


@dataclass(frozen=True)
class Statement:
    queryid: int | None
    username: str | None
    toplevel: bool | None
    query: str
    calls: int
    rows: int
    total_exec_time: float
    mean_exec_time: float
    min_exec_time: float
    max_exec_time: float
    stddev_exec_time: float
    shared_blks_hit: int
    shared_blks_read: int
    shared_blks_dirtied: int
    shared_blks_written: int
    temp_blks_read: int
    temp_blks_written: int
    blk_read_time: float
    blk_write_time: float
    wal_bytes: int | None


@dataclass(frozen=True)
class StatementsInfo:
    """Whether pg_stat_statements could be read, and its bookkeeping when it could."""

    status: str  # ok, not-installed, not-preloaded, not-available, error
    detail: str | None = None
    extension_version: str | None = None
    dealloc: int | None = None
    stats_reset: datetime | None = None
    total_statements: int = 0


@dataclass(frozen=True)
class Session:
    pid: int
    database: str | None
    username: str | None
    application_name: str | None
    client_addr: str | None
    backend_type: str | None
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    xact_start: datetime | None
    query_start: datetime | None
    state_change: datetime | None
    backend_start: datetime | None
    blocked_by: list[int]
    query: str | None


@dataclass(frozen=True)
class Replica:
    pid: int
    application_name: str | None
    client_addr: str | None
    state: str | None
    sync_state: str | None
    replay_lag_bytes: int | None
    write_lag_s: float | None
    flush_lag_s: float | None
    replay_lag_s: float | None


@dataclass(frozen=True)
class ReplicationSlot:
    name: str
    type: str
    database: str | None
    active: bool
    temporary: bool
    wal_status: str | None
    retained_bytes: int | None


@dataclass(frozen=True)
class Extension:
    name: str
    version: str
    schema: str


VECTOR_TYPES = frozenset({"vector", "halfvec", "sparsevec"})


@dataclass(frozen=True)
class VectorColumn:
    schema: str
    table: str
    column: str
    type: str
    dimensions: int | None
    indexes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LockedRelation:
    """A relation left out of the snapshot: another session holds or awaits ACCESS EXCLUSIVE."""

    schema: str
    name: str
    pid: int
    granted: bool
    query: str | None


@dataclass(frozen=True)
class Role:
    name: str
    superuser: bool
    can_login: bool
    create_role: bool
    create_db: bool
    replication: bool
    bypass_rls: bool
    connection_limit: int
    valid_until: datetime | None
    member_of: list[str]
    settings: list[str]  # "name=value" from ALTER ROLE ... SET


@dataclass(frozen=True)
class RolePassword:
    name: str
    method: str  # none, md5, scram-sha-256, other


@dataclass(frozen=True)
class HbaRule:
    line_number: int | None
    type: str | None
    database: list[str] | None
    user_name: list[str] | None
    address: str | None
    auth_method: str | None
    error: str | None


@dataclass(frozen=True)
class Schema:
    name: str
    owner: str
    public_create: bool


@dataclass(frozen=True)
class Checkpointer:
    timed: int
    requested: int
    write_time_ms: float
    sync_time_ms: float
    buffers_written: int
    stats_reset: datetime | None


@dataclass(frozen=True)
class ArchiverStats:
    """pg_stat_archiver: the archive_command's successes and failures."""

    archived_count: int
    last_archived_wal: str | None
    last_archived_time: datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_time: datetime | None
    stats_reset: datetime | None


@dataclass(frozen=True)
class WalStats:
    records: int
    full_page_images: int
    bytes: int
    buffers_full: int
    stats_reset: datetime | None
    lsn_bytes: int | None


@dataclass(frozen=True)
class ColumnValues:
    """pg_stats' most common values of a low-cardinality column, as text, with frequencies."""

    schema: str
    table: str
    column: str
    values: list[str]
    freqs: list[float]


@dataclass(frozen=True)
class VectorSetting:
    """A pgvector setting (ivfflat.probes, hnsw.ef_search, ...) as sessions here start with it."""

    name: str
    setting: str | None  # None: not set anywhere, pgvector's built-in default applies


@dataclass(frozen=True)
class ValueShape:
    """A text column whose sampled values (pg_stats' most common values and histogram) all have
    one hash shape: ``sha1-hex``, ``bcrypt``... Only the shape is read, never a value."""

    schema: str
    table: str
    column: str
    shape: str
    sampled: int


@dataclass(frozen=True)
class KeyMaximum:
    """The largest value of a smallint/integer primary or unique key that no sequence fills:
    as pg_stats saw it, and read with max() when that may be near the type's limit."""

    schema: str
    table: str
    column: str
    type_name: str  # int2, int4
    stats_max: int | None  # None: no statistics
    max_value: int | None  # max(key); None: not probed, or the table is empty
    probed: bool

    @property
    def largest(self) -> int | None:
        """max(key) when it was read, else the statistics' largest value."""
        return self.max_value if self.probed else self.stats_max
