"""Fixes that change server settings: for the whole server (ALTER SYSTEM), a database, a role,
or a role in one database (ALTER ROLE/DATABASE ... SET/RESET).

ALTER SYSTEM refuses to run inside a transaction block, so its Alembic form runs inside
``autocommit_block()``, followed by ``pg_reload_conf()`` (or a note when only a restart
applies the value). The role and database forms are transactional and take no table lock.
Setting names are constants of the checks, checked against the shape of a GUC name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg import sql

from pgsage.fixes.quoting import autocommit_block, ident
from pgsage.fixes.steps import INDENT

SettingValue = str | int | float | bool | tuple[str, ...]

RELOAD = "SELECT pg_reload_conf();"
_SETTING_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")


def setting_value(value: SettingValue) -> str:
    """A value as SET takes it: on/off for booleans, numbers as they are, text quoted, a list
    as quoted items separated by commas."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ", ".join(sql.Literal(item).as_string(None) for item in value)
    return sql.Literal(value).as_string(None)


def _checked(name: str) -> str:
    if not _SETTING_NAME.fullmatch(name):
        raise ValueError(f"not a setting name: {name!r}")
    return name


def _target(role: str | None, database: str | None) -> str:
    if role and database:
        return f"ROLE {ident(role)} IN DATABASE {ident(database)}"
    if role:
        return f"ROLE {ident(role)}"
    if database:
        return f"DATABASE {ident(database)}"
    return "SYSTEM"


def _render_sql(statement: str, server_wide: bool, reload: bool, note: str) -> str:
    lines = [statement]
    if server_wide and reload:
        lines.append(RELOAD)
    if note:
        lines.append(f"-- {note}")
    return "\n".join(lines)


def _render_alembic(statement: str, server_wide: bool, reload: bool, note: str) -> str:
    remark = [f"# {note}"] if note else []
    steps = [f"op.execute({statement!r})"]
    if not server_wide:
        return "\n".join(f"{INDENT}{line}" for line in [*steps, *remark])
    if reload:
        steps.append(f"op.execute({RELOAD!r})")
    return autocommit_block([*steps, *remark])


@dataclass(frozen=True, kw_only=True)
class SetSetting:
    """ALTER SYSTEM / DATABASE / ROLE [IN DATABASE] SET name = value. ``reload``: follow ALTER
    SYSTEM with pg_reload_conf() (not for settings only a restart applies); ``note``: one
    remark after the statement."""

    name: str
    value: SettingValue
    role: str | None = None
    database: str | None = None
    reload: bool = True
    note: str = ""

    def statement(self) -> str:
        return (
            f"ALTER {_target(self.role, self.database)} SET {_checked(self.name)} = "
            f"{setting_value(self.value)};"
        )

    def to_sql(self) -> str:
        return _render_sql(self.statement(), _server_wide(self), self.reload, self.note)

    def to_alembic(self) -> str:
        return _render_alembic(self.statement(), _server_wide(self), self.reload, self.note)


@dataclass(frozen=True, kw_only=True)
class ResetSetting:
    """ALTER SYSTEM / DATABASE / ROLE [IN DATABASE] RESET name: back to the level below."""

    name: str
    role: str | None = None
    database: str | None = None
    reload: bool = True
    note: str = ""

    def statement(self) -> str:
        return f"ALTER {_target(self.role, self.database)} RESET {_checked(self.name)};"

    def to_sql(self) -> str:
        return _render_sql(self.statement(), _server_wide(self), self.reload, self.note)

    def to_alembic(self) -> str:
        return _render_alembic(self.statement(), _server_wide(self), self.reload, self.note)


def _server_wide(change: SetSetting | ResetSetting) -> bool:
    return not change.role and not change.database
