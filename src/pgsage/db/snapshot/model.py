"""The Snapshot: every catalog section as typed rows, with look-ups for the checks, saved and
loaded as JSON (so an audit can run offline from a file)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from pgsage.db.rows import (
    VECTOR_TYPES,
    ArchiverStats,
    Checkpointer,
    Column,
    ColumnValues,
    Constraint,
    DatabaseStats,
    Extension,
    HbaRule,
    Index,
    KeyMaximum,
    LockedRelation,
    Replica,
    ReplicationSlot,
    Role,
    RolePassword,
    Schema,
    Sequence,
    Session,
    Setting,
    Statement,
    StatementsInfo,
    Table,
    ValueShape,
    VectorColumn,
    VectorSetting,
    WalStats,
)
from pgsage.db.serverinfo import ServerInfo
from pgsage.errors import SnapshotError

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Snapshot:
    format_version: int
    pgsage_version: str
    collected_at: datetime
    duration_ms: float
    server: ServerInfo
    database: DatabaseStats | None
    settings: list[Setting] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    statements_info: StatementsInfo = field(default_factory=lambda: StatementsInfo("not-installed"))
    activity: list[Session] = field(default_factory=list)
    replication: list[Replica] = field(default_factory=list)
    slots: list[ReplicationSlot] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    locked: list[LockedRelation] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    role_passwords: list[RolePassword] = field(default_factory=list)
    hba_rules: list[HbaRule] = field(default_factory=list)
    schemas: list[Schema] = field(default_factory=list)
    vector_settings: list[VectorSetting] = field(default_factory=list)
    column_values: list[ColumnValues] = field(default_factory=list)
    value_shapes: list[ValueShape] = field(default_factory=list)
    key_maxima: list[KeyMaximum] = field(default_factory=list)
    checkpointer: Checkpointer | None = None
    wal: WalStats | None = None
    archiver: ArchiverStats | None = None
    errors: dict[str, str] = field(default_factory=dict)

    # -- look-ups for checks -----------------------------------------------------------
    @cached_property
    def _settings_by_name(self) -> dict[str, Setting]:
        return {s.name: s for s in self.settings}

    def setting(self, name: str) -> str | None:
        found = self._settings_by_name.get(name)
        return found.setting if found else None

    def setting_row(self, name: str) -> Setting | None:
        return self._settings_by_name.get(name)

    @cached_property
    def tables_by_name(self) -> dict[tuple[str, str], Table]:
        return {(t.schema, t.name): t for t in self.tables}

    def table(self, schema: str, name: str) -> Table | None:
        return self.tables_by_name.get((schema, name))

    @cached_property
    def indexes_by_table(self) -> dict[tuple[str, str], list[Index]]:
        return _by_table(self.indexes)

    @cached_property
    def columns_by_table(self) -> dict[tuple[str, str], list[Column]]:
        return _by_table(self.columns)

    @property
    def vector_columns(self) -> list[VectorColumn]:
        found = []
        for column in self.columns:
            if column.type_name not in VECTOR_TYPES:
                continue
            indexes = [
                ix.name
                for ix in self.indexes_by_table.get((column.schema, column.table), [])
                if column.name in ix.key_columns[: ix.key_count]
            ]
            dims = column.typmod if column.typmod > 0 else None
            found.append(
                VectorColumn(column.schema, column.table, column.name, column.type, dims, indexes)
            )
        return found

    def missing(self, section: str) -> str | None:
        """Why a section is unavailable (its collection error), or None when it was collected."""
        return self.errors.get(section)

    # -- persistence -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter().dump_python(self, mode="json")
        return data

    def save(self, path: Path) -> None:
        # pydantic's Rust serializer: json.dumps over dump_python took seconds and hundreds of
        # MB on 10,000 tables. Field order is the dataclasses', so the output is deterministic.
        path.write_bytes(_adapter().dump_json(self, indent=1) + b"\n")

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise SnapshotError(f"snapshot file not found: {path}") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise SnapshotError(f"cannot read snapshot {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise SnapshotError(f"{path} is not a pgsage snapshot of format {FORMAT_VERSION}")
        try:
            return _adapter().validate_python(data)
        except ValidationError as exc:
            raise SnapshotError(
                f"{path} is not a valid snapshot: {exc.errors()[0]['msg']} "
                f"at {exc.errors()[0]['loc']}"
            ) from None


TableRow = TypeVar("TableRow", Index, Column)
_SCHEMA_TABLE = attrgetter("schema", "table")


def _by_table(rows: list[TableRow]) -> dict[tuple[str, str], list[TableRow]]:
    """Rows per (schema, table), in their order. The snapshot sorts them by table, so runs of
    one table are taken whole (itertools.groupby); a run seen again (a file written unsorted)
    is added to its table's list."""
    grouped: dict[tuple[str, str], list[TableRow]] = {}
    for key, run in groupby(rows, _SCHEMA_TABLE):
        found = grouped.get(key)
        if found is None:
            grouped[key] = list(run)
        else:
            found.extend(run)
    return grouped


@cache
def _adapter() -> TypeAdapter[Snapshot]:
    # Built on first use (about 20 ms of schema building): an audit never serialises the
    # snapshot it collects.
    return TypeAdapter(Snapshot)
