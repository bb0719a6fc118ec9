"""A long lock_timeout (or none) set before statements that take ACCESS EXCLUSIVE locks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType, ConstrType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import bare_name, relation_name

# Beyond this a waiting ACCESS EXCLUSIVE request stalls the application visibly: every query on
# the table queues behind it for as long as it waits.
LONG_MS = 10_000
_UNITS_MS = {"": 1, "us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_VALUE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")
# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE.
_WEAKER = {
    AlterTableType.AT_ValidateConstraint,
    AlterTableType.AT_SetStatistics,
    AlterTableType.AT_ClusterOn,
    AlterTableType.AT_DropCluster,
    AlterTableType.AT_SetRelOptions,
    AlterTableType.AT_ResetRelOptions,
    AlterTableType.AT_ReplicaIdentity,
}


def timeout_ms(node: Any) -> float | None:
    """The value of ``SET [LOCAL] lock_timeout``, in milliseconds (None: not that statement)."""
    if not isinstance(node, ast.VariableSetStmt) or (node.name or "").lower() != "lock_timeout":
        return None
    args = node.args or ()
    if not args or not isinstance(args[0], ast.A_Const):
        return None
    value = args[0].val
    if isinstance(value, ast.Integer):
        return float(value.ival or 0)
    match = _VALUE.match(str(getattr(value, "sval", "")).lower())
    if not match or match.group(2) not in _UNITS_MS:
        return None
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def access_exclusive_table(node: Any, ctx: Context) -> str | None:
    """The existing table an ALTER TABLE locks ACCESS EXCLUSIVE (None: weaker, or a new table)."""
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return None
    table = relation_name(node.relation)
    if ctx.is_new_table(table):
        return None
    for cmd in node.cmds or ():
        foreign_key = (
            cmd.subtype == AlterTableType.AT_AddConstraint
            and getattr(cmd.def_, "contype", None) == ConstrType.CONSTR_FOREIGN
        )
        if cmd.subtype not in _WEAKER and not foreign_key:
            return table
    return None


class LongLockTimeout(Rule):
    id = "long-lock-timeout"
    group = Group.LOCKING
    summary = "SET lock_timeout above 10 s (or 0) before ACCESS EXCLUSIVE statements."
    why = (
        "A statement waiting for ACCESS EXCLUSIVE makes every later query on the table queue "
        "behind it: a long lock_timeout turns one slow transaction into an outage of that many "
        "seconds on each table the migration alters. Keep it short and retry the migration."
    )
    fix_sql = "SET lock_timeout = '2s';  -- and retry the migration when it gives up"
    fix_alembic = "op.execute(\"SET lock_timeout = '2s'\")  # the deploy retries on timeout"
    deviations = "Not in squawk."

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        state = ctx.rule_state.setdefault(self.id, _Window())
        value = timeout_ms(stmt.node)
        if value is not None:
            yield from state.close()
            state.setting = (stmt, value) if value == 0 or value > LONG_MS else None
            return
        table = access_exclusive_table(stmt.node, ctx) if state.setting else None
        if table and bare_name(table) not in {bare_name(t) for t in state.tables}:
            state.tables.append(table)

    def finish(self, ctx: Context) -> Iterable[Hit]:
        state = ctx.rule_state.get(self.id)
        return state.close() if isinstance(state, _Window) else ()


@dataclass
class _Window:
    """The last long lock_timeout set, and the tables locked ACCESS EXCLUSIVE since."""

    setting: tuple[Statement, float] | None = None
    tables: list[str] = field(default_factory=list)

    def close(self) -> list[Hit]:
        hits = [_hit(*self.setting, self.tables)] if self.setting and self.tables else []
        self.setting, self.tables = None, []
        return hits


def _hit(stmt: Statement, value: float, tables: list[str]) -> Hit:
    waited = "without limit" if value == 0 else f"up to {value / 1000:g} s"
    return Hit(
        f"lock_timeout lets each ACCESS EXCLUSIVE request wait {waited} on "
        f"{len(tables)} table(s) ({', '.join(tables)}): every query on them queues behind it",
        table=tables[0],
        statement=stmt,
    )
