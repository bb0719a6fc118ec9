"""What the two wraparound checks share: ages of the database and of each table against the
age at which autovacuum must freeze them, and the 2^31 hard limit."""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any, ClassVar

from pgsage.checks.base import Check, Param
from pgsage.checks.tables.storage_params import VACUUMED_KINDS, number, reloption, table_ref
from pgsage.db.rows import Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.table import Vacuum, VacuumTables
from pgsage.model import Finding, ObjectRef, Severity

FREEZE = ("FREEZE", "VERBOSE")  # the VACUUM options of every fix here

HARD_LIMIT = 2**31  # the server stops assigning IDs a few million short of this
OLDEST_LISTED = 5


def wraparound_params(error_age: int) -> tuple[Param, ...]:
    return (
        Param(
            "warning_factor",
            1.5,
            "report an age above this many times the freeze max age "
            "(autovacuum should have frozen it at 1x)",
        ),
        Param(
            "error_age",
            error_age,
            "an age above this is an error (the hard limit is 2^31 = 2,147,483,648)",
        ),
    )


def _oldest_first(item: tuple[Any, ...]) -> tuple[int, str, str]:
    """Sort key of a (table, age, ...) tuple: oldest first, then by name."""
    table, age = item[0], item[1]
    return -age, table.schema, table.name


class WraparoundCheck(Check):
    """Abstract: subclasses name the age column, the setting and the storage parameter."""

    age_field: ClassVar[str]
    setting_name: ClassVar[str]
    noun: ClassVar[str]
    requires_sections = ("database", "tables", "settings")

    def _age(self, obj: Any) -> int | None:
        value = getattr(obj, self.age_field)
        return int(value) if value is not None else None

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        server_max = number(snapshot.setting(self.setting_name))
        if server_max is None:
            return []
        factor = float(params["warning_factor"])
        error_age = int(params["error_age"])
        aged = [
            (t, age)
            for t in snapshot.tables  # each age read once: 10,000s of tables
            if t.kind in VACUUMED_KINDS and (age := self._age(t)) is not None
        ]
        findings = []
        db = snapshot.database
        if db is not None:
            age = self._age(db) or 0
            if age > factor * server_max or age > error_age:
                oldest = heapq.nsmallest(OLDEST_LISTED, aged, key=_oldest_first)
                findings.append(
                    self._database(db.name, age, server_max, [t for t, _ in oldest], params)
                )
        # Only the few tables past their limit are sorted (oldest first), not all of them.
        flagged = []
        for table, age in aged:
            own = number(reloption(table.reloptions, self.setting_name))
            freeze_max = min(own, server_max) if own is not None and own >= 0 else server_max
            if age > factor * freeze_max or age > error_age:
                flagged.append((table, age, freeze_max, own is not None))
        flagged.sort(key=_oldest_first)
        for table, age, freeze_max, own_setting in flagged:
            findings.append(self._table(table, age, freeze_max, own_setting, params))
        return findings

    def _evidence(self, age: int, freeze_max: float, params: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "age": age,
            "freeze_max_age": int(freeze_max),
            "warning_age": int(float(params["warning_factor"]) * freeze_max),
            "error_age": int(params["error_age"]),
            "hard_limit": HARD_LIMIT,
            "percent_of_limit": round(100 * age / HARD_LIMIT, 2),
            "remaining": HARD_LIMIT - age,
        }

    def _severity(self, age: int, params: Mapping[str, Any]) -> Severity | None:
        return Severity.ERROR if age > int(params["error_age"]) else None

    def _database(
        self, name: str, age: int, server_max: float, oldest: list[Table], params: Mapping[str, Any]
    ) -> Finding:
        """``oldest``: the OLDEST_LISTED oldest tables, oldest first."""
        tables = tuple((t.schema, t.name) for t in oldest)
        return self.finding(
            ObjectRef("database", "", name),
            f"database {name} has a {self.noun} age of {age:,}, "
            f"{age / server_max:.1f}x {self.setting_name} ({server_max:,.0f}) and "
            f"{100 * age / HARD_LIMIT:.1f} % of the way to the wraparound limit",
            severity=self._severity(age, params),
            evidence={
                **self._evidence(age, server_max, params),
                "oldest_tables": [f"{t.qualified}: {self._age(t)}" for t in oldest],
            },
            recommendation="Freeze the oldest tables (VACUUM (FREEZE, VERBOSE), or vacuumdb "
            "--all --freeze) and find what stops autovacuum from doing it: long "
            "or prepared transactions, stale replication slots, autovacuum "
            "switched off or starved of workers.",
            fix=VacuumTables(tables, FREEZE) if tables else None,
        )

    def _table(
        self, table: Table, age: int, freeze_max: float, own: bool, params: Mapping[str, Any]
    ) -> Finding:
        source = "its storage parameter" if own else "the server setting"
        return self.finding(
            table_ref(table),
            f"{table.qualified} has a {self.noun} age of {age:,}, "
            f"{age / freeze_max:.1f}x its freeze max age ({freeze_max:,.0f}, from {source}): "
            "autovacuum has not managed to freeze it",
            severity=self._severity(age, params),
            evidence={
                **self._evidence(age, freeze_max, params),
                "freeze_max_age_source": "table" if own else "server",
                "last_vacuum": table.last_vacuum.isoformat() if table.last_vacuum else None,
                "last_autovacuum": table.last_autovacuum.isoformat()
                if table.last_autovacuum
                else None,
            },
            recommendation=f"VACUUM (FREEZE, VERBOSE) {table.qualified} and check what holds "
            "autovacuum back (long or prepared transactions, replication slots, "
            "autovacuum switched off, a cost limit too low for its size).",
            fix=Vacuum(table.schema, table.name, FREEZE),
        )
