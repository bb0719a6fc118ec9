"""ban-new-write-restriction, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType, ConstrType

from pgsage.lint.banrule import NO_TABLE, StatementBan, altered_table, table_commands
from pgsage.lint.syntax import relation_name

_RESTRICTING = (
    ConstrType.CONSTR_CHECK,
    ConstrType.CONSTR_FOREIGN,
    ConstrType.CONSTR_UNIQUE,
    ConstrType.CONSTR_EXCLUSION,
    ConstrType.CONSTR_PRIMARY,
)


class BanNewWriteRestriction(StatementBan):
    id = "ban-new-write-restriction"
    aliases = ("ban-new-write-restriction",)
    default_on = False
    summary = (
        "A new CHECK, FOREIGN KEY, UNIQUE, EXCLUSION constraint, unique index, "
        "constrained or NOT NULL column, or SET NOT NULL on an existing table (even NOT "
        "VALID)."
    )
    why = (
        "A new constraint rejects writes from existing clients that do not satisfy it, even "
        "when it is NOT VALID (new rows are always checked)."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for cmd in table_commands(
            node, AlterTableType.AT_AddConstraint, AlterTableType.AT_SetNotNull
        ):
            if cmd.subtype == AlterTableType.AT_SetNotNull or (
                cmd.def_.contype in _RESTRICTING and not cmd.def_.indexname
            ):
                yield altered_table(node)
        for cmd in table_commands(node, AlterTableType.AT_AddColumn):
            # A NOT NULL or constrained new column rejects inserts that leave it out / break it.
            if any(
                con.contype in (*_RESTRICTING, ConstrType.CONSTR_NOTNULL)
                for con in cmd.def_.constraints or ()
            ):
                yield altered_table(node)
        if isinstance(node, ast.IndexStmt) and node.unique:
            yield relation_name(node.relation)
        if isinstance(node, ast.AlterDomainStmt) and node.subtype in ("C", "O"):
            yield NO_TABLE
