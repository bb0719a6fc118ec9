"""What settings checks share: reading pg_settings values with their units, and the SQL that
changes a setting."""

from __future__ import annotations

import re

from pgsage.db.rows import Role, Setting, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.settings import SetSetting
from pgsage.model import ObjectRef

# pg_settings.context of every setting these checks propose to change: "postmaster" settings
# need a restart, the others a reload (sighup, superuser) or nothing at all (user). The
# tests compare this table with the servers' own pg_settings.
SETTING_CONTEXTS = {
    "autovacuum_vacuum_scale_factor": "sighup",
    "idle_in_transaction_session_timeout": "user",
    "log_min_duration_statement": "superuser",
    "maintenance_work_mem": "user",
    "max_wal_size": "sighup",
    "random_page_cost": "user",
    "statement_timeout": "user",
    "track_io_timing": "superuser",
    "work_mem": "user",
}

_MEMORY = {"B": 1, "kB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_TIME_MS = {
    "us": 0.001,
    "ms": 1.0,
    "s": 1000.0,
    "min": 60_000.0,
    "h": 3_600_000.0,
    "d": 86_400_000.0,
}
_UNIT = re.compile(r"^(\d*)\s*([A-Za-z]+)$")


def setting_ref(name: str) -> ObjectRef:
    return ObjectRef("setting", "", name)


def setting_row(snapshot: Snapshot, name: str) -> Setting | None:
    return snapshot.setting_row(name)


def default_value(row: Setting) -> str | None:
    """The value a new session in this database starts with.

    pg_settings.reset_val, not setting: pgsage's own session sets statement_timeout and
    idle_in_transaction_session_timeout for itself, which must not hide the server's values.
    """
    return row.reset_val if row.reset_val is not None else row.setting


def _scale(unit: str | None, table: dict[str, float] | dict[str, int]) -> float | None:
    if not unit:
        return 1.0
    match = _UNIT.match(unit)
    if not match or match.group(2) not in table:
        return None
    return float(match.group(1) or 1) * float(table[match.group(2)])


def value_bytes(row: Setting, value: str | None = None) -> int | None:
    """A memory setting's value in bytes (pg_settings gives it in units such as kB or 8kB)."""
    raw = default_value(row) if value is None else value
    factor = _scale(row.unit, _MEMORY)
    try:
        return int(float(raw) * factor) if raw is not None and factor is not None else None
    except ValueError:
        return None


def value_ms(row: Setting) -> float | None:
    """A time setting's value in milliseconds (negative values such as -1 stay as they are)."""
    raw = default_value(row)
    factor = _scale(row.unit, _TIME_MS)
    try:
        return float(raw) * factor if raw is not None and factor is not None else None
    except ValueError:
        return None


def value_float(row: Setting) -> float | None:
    raw = default_value(row)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def change_setting(snapshot: Snapshot, row: Setting, value: str | int | float) -> SetSetting:
    """The change that gives new sessions ``value``: ALTER DATABASE when the current value comes
    from the database's own settings (ALTER SYSTEM would not override it), ALTER SYSTEM
    otherwise, followed by a reload — or a note that a restart is needed for postmaster
    settings."""
    if row.source == "database" and snapshot.database is not None:
        return SetSetting(
            name=row.name,
            value=value,
            database=snapshot.database.name,
            note="new sessions in this database get the value; existing ones keep theirs",
        )
    if SETTING_CONTEXTS.get(row.name) == "postmaster":
        return SetSetting(
            name=row.name, value=value, reload=False, note="takes effect after a server restart"
        )
    return SetSetting(name=row.name, value=value)


def role_setting(role: Role, name: str) -> str | None:
    """The role's own value of a setting (ALTER ROLE ... SET), if any."""
    prefix = f"{name}="
    return next((s[len(prefix) :] for s in role.settings if s.startswith(prefix)), None)


def is_zero_duration(value: str | None) -> bool:
    """Whether a timeout value (as ALTER ROLE stored it: '0', '30s', '5min') disables it."""
    if value is None:
        return True
    match = re.match(r"^\s*(-?\d+(?:\.\d+)?)", value)
    return match is None or float(match.group(1)) <= 0


def application_roles(snapshot: Snapshot, include_superusers: bool) -> list[Role]:
    """Roles that log in to run applications: not replication-only, not (by default)
    superusers."""
    return sorted(
        (
            r
            for r in snapshot.roles
            if r.can_login
            and (include_superusers or not r.superuser)
            and not (r.replication and not r.superuser)
        ),
        key=lambda r: r.name,
    )


def reloption(table: Table, name: str) -> str | None:
    prefix = f"{name}="
    return next((o[len(prefix) :] for o in table.reloptions if o.startswith(prefix)), None)
