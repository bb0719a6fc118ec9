"""varchar(n): the limit is better a CHECK constraint."""

from __future__ import annotations

from typing import Any

from pgsage.lint.syntax import type_name
from pgsage.lint.typerule import ColumnTypeRule


class PreferTextField(ColumnTypeRule):
    id = "prefer-text-field"
    aliases = ("prefer-text-field",)
    default_on = False
    summary = "A varchar(n) column."
    why = (
        "Lowering a varchar limit later rewrites the table under an ACCESS EXCLUSIVE lock; "
        "a CHECK (length(c) <= n) can be replaced NOT VALID without a rewrite."
    )
    advice = "use text with a CHECK (length(...) <= n) constraint"
    fix_sql = "CREATE TABLE t (name text CHECK (length(name) <= 100));"
    fix_alembic = "sa.Column('name', sa.Text(), sa.CheckConstraint('length(name) <= 100'))"
    deviations = (
        "Opt-in in pgsage: raising a varchar limit is binary-coercible (no rewrite), "
        "so sa.String(n) is not a locking hazard; squawk enables it by default."
    )

    def matches(self, type_node: Any) -> bool:
        return type_name(type_node) == "varchar" and bool(type_node.typmods)
