"""Tables named without a schema depend on the session's search_path."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import ObjectType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule


class RequireTableSchema(Rule):
    id = "require-table-schema"
    aliases = ("require-table-schema",)
    group = Group.STYLE
    default_on = False
    summary = "CREATE/ALTER/DROP/RENAME TABLE without a schema-qualified name."
    why = "The table lands wherever search_path points when the migration runs."
    fix_sql = "CREATE TABLE public.t (id bigint);"
    fix_alembic = "op.create_table('t', ..., schema='public')"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        relation = None
        if isinstance(node, ast.CreateStmt | ast.AlterTableStmt):
            relation = node.relation
        elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
            relation = node.into.rel
        elif isinstance(node, ast.RenameStmt) and ObjectType.OBJECT_TABLE in (
            node.renameType,
            node.relationType,
        ):
            relation = node.relation
        if relation is not None:
            if relation.relpersistence != "t" and not relation.schemaname:
                yield Hit(f"table {relation.relname} has no schema; qualify it")
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for obj in node.objects or ():
                if len(obj) == 1:
                    yield Hit(f"table {obj[0].sval} has no schema; qualify it")
