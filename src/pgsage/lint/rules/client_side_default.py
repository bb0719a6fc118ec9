"""Alembic: ``sa.Column(..., default=...)`` in a revision sets no default in the database."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from pgsage.lint.context import Context
from pgsage.lint.model import Group
from pgsage.lint.pysource import anchor, called_name, function_calls
from pgsage.lint.rule import Hit, Rule


class ClientSideDefault(Rule):
    id = "client-side-default"
    group = Group.COMPATIBILITY
    summary = "Alembic: sa.Column(default=...) in a revision (client-side only: no server default)."
    why = (
        "default= is applied by SQLAlchemy when the application inserts through the ORM; in a "
        "migration it renders nothing, so the new column has no DEFAULT in the database: existing "
        "rows get NULL (or the NOT NULL column fails to add) and other writers get no value."
    )
    fix_sql = "ALTER TABLE t ADD COLUMN c boolean NOT NULL DEFAULT false;"
    fix_alembic = "sa.Column('c', sa.Boolean(), nullable=False, server_default=sa.false())"
    deviations = "Not in squawk (it reads SQL only): read from the revision's Python."

    def finish(self, ctx: Context) -> Iterable[Hit]:
        for call in function_calls(ctx):
            if called_name(call) != "Column":
                continue
            keywords = {k.arg: k for k in call.keywords if k.arg}
            if "default" not in keywords or "server_default" in keywords:
                continue
            name = _column_name(call)
            shown = ast.unparse(keywords["default"].value)
            yield Hit(
                f"column {name}: default={shown} is client-side only — the migration sets no "
                f"default in the database; use server_default=",
                statement=anchor(call),
            )


def _column_name(call: ast.Call) -> str:
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return repr(first.value)
    return "(unnamed)"
