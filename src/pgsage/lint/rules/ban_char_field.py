"""char(n) pads with spaces and is never faster than text."""

from __future__ import annotations

from pgsage.lint.typerule import ColumnTypeRule


class BanCharField(ColumnTypeRule):
    id = "ban-char-field"
    aliases = ("ban-char-field",)
    type_names = frozenset({"bpchar", "char", "character"})
    summary = "A column of type char / character / bpchar."
    why = (
        "char(n) pads values with spaces, compares surprisingly, and is stored like text; "
        "changing its length later rewrites the table."
    )
    advice = "use text (with a CHECK on length if needed)"
    fix_sql = "CREATE TABLE t (code text CHECK (length(code) = 3));"
    fix_alembic = "sa.Column('code', sa.Text(), sa.CheckConstraint('length(code) = 3'))"
    deviations = (
        "Disagreement (sq-ban-char-field-020): that case declares `int array[]`, which "
        "PostgreSQL's parser rejects; pgsage reports syntax-error for the statement "
        "instead of linting its columns."
    )
