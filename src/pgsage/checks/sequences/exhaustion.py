"""sequence-exhaustion: a sequence (serial, identity or plain) close to the last value it or
the column it feeds can hold."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.rows import Column, Sequence
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.table import ColumnRef, WidenSequence
from pgsage.model import Finding, ObjectRef, Severity

TYPE_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'::regclass\)")


def _split_name(text: str) -> tuple[str | None, str]:
    """A regclass as text ('s.seq', '"My Seq"', 'seq') -> (schema or None, name)."""
    parts = re.findall(r'"((?:[^"]|"")*)"|([^."]+)', text.replace("''", "'"))
    names = [quoted.replace('""', '"') if quoted else plain for quoted, plain in parts]
    if len(names) >= 2:
        return names[-2], names[-1]
    return None, names[0] if names else text


@dataclass(frozen=True)
class Feeds:
    """The column a sequence feeds: the owning column, or one whose DEFAULT calls it."""

    schema: str
    table: str
    column: str
    type: str


def fed_column(snapshot: Snapshot, seq: Sequence) -> Feeds | None:
    if seq.owner_table and seq.owner_column and seq.owner_schema:
        return Feeds(
            seq.owner_schema, seq.owner_table, seq.owner_column, seq.owner_column_type or ""
        )
    candidates: list[Column] = []
    for column in snapshot.columns:
        if not column.default_expr or "nextval(" not in column.default_expr:
            continue
        for text in _NEXTVAL.findall(column.default_expr):
            schema, name = _split_name(text)
            if name == seq.name and (
                schema == seq.schema or (schema is None and seq.schema in ("public", column.schema))
            ):
                candidates.append(column)
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c.schema, c.table, c.attnum))
    return Feeds(best.schema, best.table, best.name, best.type)


def referencing_columns(snapshot: Snapshot, feeds: Feeds) -> list[ColumnRef]:
    """Single-column foreign keys that reference the fed column: they must widen with it."""
    found = {
        ColumnRef(fk.schema, fk.table, fk.columns[0])
        for fk in snapshot.constraints
        if fk.type == "f"
        and len(fk.columns) == 1
        and fk.ref_schema == feeds.schema
        and fk.ref_table == feeds.table
        and fk.ref_columns == [feeds.column]
    }
    return sorted(found, key=lambda c: (c.schema, c.table, c.column))


class SequenceExhaustion(Check):
    id = "sequence-exhaustion"
    category = "sequences"
    severity = Severity.WARNING
    title = "Sequence running out of values"
    requires_sections = ("sequences", "columns", "constraints")
    params = (
        Param(
            "warning_percent", 75.0, "report a sequence that has used this percentage of its range"
        ),
        Param("error_percent", 90.0, "an error from this percentage on"),
    )
    docs = CheckDocs(
        problem="A sequence has used most of its range. The limit is the lower of the "
        "sequence's own MAXVALUE (MINVALUE for descending sequences) and the range of "
        "the column it feeds — the classic trap is a bigint sequence behind an integer "
        "column (a serial created before PostgreSQL 10, or a hand-made DEFAULT "
        "nextval()), which fails at 2,147,483,647 although the sequence goes on.",
        why='When the limit is reached every INSERT fails ("nextval: reached maximum value '
        'of sequence" or "integer out of range") until the column is altered — and '
        "altering a large table's column type takes long under an exclusive lock, which "
        "is the worst moment to discover it.",
        fix="Widen the column (and the foreign key columns that reference it) to bigint: "
        "ALTER TABLE ... ALTER COLUMN ... TYPE bigint rewrites the table and its indexes "
        "under an ACCESS EXCLUSIVE lock, so plan a maintenance window, or migrate online "
        "(a new bigint column filled in batches, then swapped). Then ALTER SEQUENCE ... AS "
        "bigint (identity sequences follow their column by themselves).",
        alembic="op.alter_column(table, column, type_=sa.BigInteger()) for the column and each "
        "referencing column, then op.execute('ALTER SEQUENCE ... AS bigint'); use "
        "sa.BigInteger / sa.Identity on new tables' keys.",
    )

    @classmethod
    def unreadable(cls, snapshot: Snapshot) -> str | None:
        hidden = [s for s in snapshot.sequences if not s.last_value_readable]
        if not hidden:
            return None
        from pgsage.fixes.quoting import ident

        user = ident(snapshot.server.current_user)
        schemas = sorted({s.schema for s in hidden})
        grants = " ".join(
            f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA {ident(schema)} TO {user};"
            for schema in schemas[:3]
        )
        first = hidden[0]
        return (
            f"cannot read the position of {len(hidden)} sequence(s) "
            f"(e.g. {first.schema}.{first.name}: last_value is NULL without SELECT or USAGE); "
            f"{grants} (or GRANT pg_read_all_data TO {user}; on PostgreSQL 14+)"
        )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for seq in snapshot.sequences:
            finding = self._judge(snapshot, seq, params)
            if finding is not None:
                findings.append(finding)
        return findings

    def _judge(
        self, snapshot: Snapshot, seq: Sequence, params: Mapping[str, Any]
    ) -> Finding | None:
        if seq.last_value is None or seq.increment_by == 0:
            return None
        feeds = fed_column(snapshot, seq)
        column_range = TYPE_RANGES.get(feeds.type) if feeds else None
        ascending = seq.increment_by > 0
        own_limit = seq.max_value if ascending else seq.min_value
        origin = seq.min_value if ascending else seq.max_value
        limit, source = own_limit, "sequence"
        if column_range is not None:
            column_limit = column_range[1] if ascending else column_range[0]
            if (column_limit <= limit) if ascending else (column_limit >= limit):
                limit, source = column_limit, "column"
        if seq.cycle and source == "sequence":
            return None  # made to wrap around at its own bound
        span = abs(limit - origin)
        if span == 0:
            return None
        percent = 100.0 * abs(seq.last_value - origin) / span
        if percent < float(params["warning_percent"]):
            return None
        remaining = max((limit - seq.last_value) // seq.increment_by, 0)
        error = percent >= float(params["error_percent"])
        fix = self._fix(snapshot, seq, feeds, source, ascending)
        where = (
            f" feeding {feeds.schema}.{feeds.table}.{feeds.column} ({feeds.type})" if feeds else ""
        )
        limit_text = (
            f"the {feeds.type} column's limit"
            if source == "column" and feeds
            else "its own " + ("MAXVALUE" if ascending else "MINVALUE")
        )
        table = feeds.table if feeds and feeds.schema == seq.schema else None
        return self.finding(
            ObjectRef("sequence", seq.schema, seq.name, table),
            f"sequence {seq.schema}.{seq.name}{where} is at {seq.last_value:,}, "
            f"{percent:.1f} % of {limit_text} ({limit:,}); {remaining:,} values left",
            severity=Severity.ERROR if error else None,
            evidence={
                "last_value": seq.last_value,
                "limit": limit,
                "limit_source": source,
                "percent_used": round(percent, 2),
                "remaining_values": remaining,
                "increment_by": seq.increment_by,
                "sequence_type": seq.data_type,
                "sequence_max_value": seq.max_value,
                "sequence_min_value": seq.min_value,
                "column": f"{feeds.schema}.{feeds.table}.{feeds.column}" if feeds else None,
                "column_type": feeds.type if feeds else None,
                "is_identity": seq.is_identity,
                "owned": seq.owner_column is not None,
                "cycle": seq.cycle,
                "warning_percent": float(params["warning_percent"]),
                "error_percent": float(params["error_percent"]),
            },
            recommendation=self._advice(seq, feeds, source, fix),
            fix=fix,
        )

    def _fix(
        self, snapshot: Snapshot, seq: Sequence, feeds: Feeds | None, source: str, ascending: bool
    ) -> WidenSequence | None:
        seq_range = TYPE_RANGES.get(seq.data_type)
        explicit_max = ascending and seq_range is not None and seq.max_value < seq_range[1]
        seq_narrow = seq.data_type != "bigint" and not seq.is_identity
        columns: tuple[ColumnRef, ...] = ()
        if source == "column" and feeds is not None and feeds.type != "bigint":
            columns = (
                ColumnRef(feeds.schema, feeds.table, feeds.column),
                *referencing_columns(snapshot, feeds),
            )
        if not columns and not seq_narrow and not explicit_max:
            return None  # a bigint at its own maximum: nothing to widen
        return WidenSequence(
            seq.schema, seq.name, columns, alter_sequence=seq_narrow, drop_maxvalue=explicit_max
        )

    def _advice(
        self, seq: Sequence, feeds: Feeds | None, source: str, fix: WidenSequence | None
    ) -> str:
        name = f"{seq.schema}.{seq.name}"
        if fix is None:
            return (
                f"Sequence {name} is a bigint near its own maximum: plan a new key scheme "
                "before it runs out."
            )
        if fix.columns and feeds is not None:
            others = len(fix.columns) - 1
            refs = f" and the {others} foreign key column(s) referencing it" if others else ""
            if fix.alter_sequence:
                then = f", then the sequence (ALTER SEQUENCE {name} AS bigint)"
            elif seq.is_identity:
                then = " (the identity sequence follows the column's type)"
            else:
                then = f" ({name} is already a bigint sequence)"
            return (
                f"Change {feeds.schema}.{feeds.table}.{feeds.column}{refs} to bigint before "
                "the values run out — ALTER COLUMN ... TYPE rewrites the table under an "
                f"ACCESS EXCLUSIVE lock: plan a window or migrate online{then}."
            )
        target = (
            f"the {feeds.type} column {feeds.schema}.{feeds.table}.{feeds.column} can "
            "already hold larger values"
            if feeds
            else "no column is known to depend on it (not owned, no DEFAULT nextval())"
        )
        change = (
            "remove its MAXVALUE"
            if fix.drop_maxvalue and not fix.alter_sequence
            else "make it a bigint sequence"
        )
        return f"Widen sequence {name}: {change}; {target}."
