"""A base for the breaking-change rules squawk 2.70 added (ban-drop-view, ban-set-default, …):
a statement shape that can break clients of the running release, one small matcher per rule."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from pglast import ast
from pglast.enums.parsenodes import AlterTableType, ObjectType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import relation_name

NO_TABLE = ""


class StatementBan(Rule):
    """``matches`` yields, per offending part of a statement, the table it concerns (or
    NO_TABLE); parts that concern a table created in the same migration are not reported."""

    group = Group.COMPATIBILITY
    message: ClassVar[str] = ""
    fix_sql = (
        "-- expand/contract: make the change in a release where no running client "
        "depends on the old behaviour"
    )
    fix_alembic = "# split the change: deploy code that tolerates both shapes first"

    def matches(self, node: Any) -> Iterable[str]:
        return ()

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        for table in self.matches(stmt.node):
            if table and ctx.is_new_table(table):
                continue
            yield Hit(self.message or self.why, table=table or None)


def dropped(node: Any, *kinds: ObjectType) -> Iterator[str]:
    if isinstance(node, ast.DropStmt) and node.removeType in kinds:
        yield NO_TABLE


def table_commands(
    node: Any, *subtypes: AlterTableType, objtype: ObjectType = ObjectType.OBJECT_TABLE
) -> Iterator[Any]:
    if isinstance(node, ast.AlterTableStmt) and node.objtype == objtype:
        for cmd in node.cmds or ():
            if cmd.subtype in subtypes:
                yield cmd


def altered_table(node: Any) -> str:
    return relation_name(getattr(node, "relation", None))
