"""renaming-object, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import NO_TABLE, StatementBan, altered_table


class RenamingObject(StatementBan):
    id = "renaming-object"
    aliases = ("renaming-object",)
    summary = (
        "RENAME of a constraint, index, view, function, type, schema, sequence or other object."
    )
    why = (
        "Renaming an object breaks existing clients (and code such as Alembic autogenerate) "
        "that refer to the old name."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.RenameStmt) and node.renameType not in (
            ObjectType.OBJECT_TABLE,
            ObjectType.OBJECT_COLUMN,
        ):
            yield altered_table(node) if node.relation is not None else NO_TABLE
