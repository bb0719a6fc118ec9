"""Fix texts for the statement at hand: the rules' ``fix_sql``/``fix_alembic`` are templates
(``t``, ``c``, ``t_c_positive``) for the documentation; a violation shows the rewrite of its own
statement — its table, column, type and constraint — when the rule can render it.

Statements are rendered from the parse tree (pglast), names quoted as PostgreSQL needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType, ConstrType, ObjectType
from pglast.stream import RawStream

from pgsage.fixes.quoting import fit_identifier, ident
from pgsage.lint.model import Statement
from pgsage.lint.syntax import (
    alter_commands,
    bare_name,
    relation_name,
    type_label,
    type_typmods,
)

Fix = tuple[str, str]  # (SQL, Alembic)


def rendered_fix(rule: str, stmt: Statement) -> Fix | None:
    """The fix of ``rule`` for ``stmt``; None when the template is all there is."""
    render = _RENDERERS.get(rule)
    return render(stmt.node) if render is not None and stmt.node is not None else None


def _not_valid(node: Any) -> Fix | None:
    """ADD CONSTRAINT ... FOREIGN KEY/CHECK → the same constraint NOT VALID, then VALIDATE."""
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return None
    table = relation_name(node.relation)
    for cmd in alter_commands(node, AlterTableType.AT_AddConstraint):
        con = cmd.def_
        if con.contype not in (ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_CHECK):
            continue
        name = con.conname or _default_name(table, con)
        added = _deparsed_with(con, node, skip_validation=True, conname=name)
        validate = f"ALTER TABLE {ident(*table.split('.'))} VALIDATE CONSTRAINT {ident(name)}"
        sql = (
            f"{added};\n-- later, in its own transaction (SHARE UPDATE EXCLUSIVE only):\n"
            f"{validate};"
        )
        alembic = f"op.execute({added!r})\n# next revision:\nop.execute({validate!r})"
        return sql, alembic
    return None


def _default_name(table: str, con: Any) -> str:
    """The name PostgreSQL gives an unnamed constraint: table_column_fkey / table_column_check."""
    columns = [str(c.sval) for c in con.fk_attrs or ()] if con.fk_attrs else []
    suffix = "fkey" if con.contype == ConstrType.CONSTR_FOREIGN else "check"
    return fit_identifier("_".join([bare_name(table), *columns[:1]]), suffix)


def _deparsed_with(con: Any, node: Any, **changes: Any) -> str:
    """The statement deparsed with ``changes`` applied to the constraint (then put back)."""
    saved = {key: getattr(con, key) for key in changes}
    try:
        for key, value in changes.items():
            setattr(con, key, value)
        return str(RawStream()(node))
    finally:
        for key, value in saved.items():
            setattr(con, key, value)


def _new_column(node: Any) -> Fix | None:
    """ALTER COLUMN c TYPE x → a new column of type x to backfill and swap in."""
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return None
    table = relation_name(node.relation)
    for cmd in alter_commands(node, AlterTableType.AT_AlterColumnType):
        new_type = type_label(cmd.def_.typeName)
        column = fit_identifier(str(cmd.name), "new")
        add = f"ALTER TABLE {ident(*table.split('.'))} ADD COLUMN {ident(column)} {new_type}"
        steps = (
            f"-- backfill {column} from {cmd.name} in batches, keep them in step (trigger), "
            f"switch readers, then drop {cmd.name} and rename {column}"
        )
        return f"{add};\n{steps}", f"op.execute({add!r})\n# {steps.removeprefix('-- ')}"
    return None


def _drop_concurrently(node: Any) -> Fix | None:
    if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_INDEX:
        return None
    names = [".".join(str(p.sval) for p in obj) for obj in node.objects or ()]
    if len(names) != 1:
        return None
    parts = names[0].split(".")
    sql = f"DROP INDEX CONCURRENTLY IF EXISTS {ident(*parts)};  -- outside a transaction"
    schema = f", schema={parts[0]!r}" if len(parts) == 2 else ""
    alembic = (
        "with op.get_context().autocommit_block():\n"
        f"    op.drop_index({parts[-1]!r}{schema}, postgresql_concurrently=True, if_exists=True)"
    )
    return sql, alembic


def _length_check(node: Any) -> Fix | None:
    """ALTER COLUMN c TYPE varchar(n) → check the data first, with a NOT VALID length CHECK."""
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return None
    table = relation_name(node.relation)
    for cmd in alter_commands(node, AlterTableType.AT_AlterColumnType):
        limit = next(iter(type_typmods(cmd.def_.typeName)), None)
        if limit is None:
            continue
        column = str(cmd.name)
        name = fit_identifier(f"{bare_name(table)}_{column}", "length")
        check = f"pg_catalog.length({ident(column)}) <= {limit}"
        quoted = ident(*table.split("."))
        add = f"ALTER TABLE {quoted} ADD CONSTRAINT {ident(name)} CHECK ({check}) NOT VALID"
        validate = f"ALTER TABLE {quoted} VALIDATE CONSTRAINT {ident(name)}"
        first = (
            f"-- first: the longest {column} must be <= {limit}: max(length({column})) on {table}"
        )
        sql = f"{first}\n{add};\n{validate};  -- fails, naming a row, if one is longer"
        alembic = (
            f"# {first.removeprefix('-- ')}\n"
            f"op.create_check_constraint({name!r}, {bare_name(table)!r}, {check!r}, "
            "postgresql_not_valid=True)\n"
            f"op.execute({validate!r})"
        )
        return sql, alembic
    return None


_RENDERERS: dict[str, Callable[[Any], Fix | None]] = {
    "narrowing-column-type": _length_check,
    "adding-foreign-key-constraint": _not_valid,
    "constraint-missing-not-valid": _not_valid,
    "changing-column-type": _new_column,
    "require-concurrent-index-deletion": _drop_concurrently,
}
