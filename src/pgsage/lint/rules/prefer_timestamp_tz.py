"""timestamp without time zone loses the offset."""

from __future__ import annotations

from pgsage.lint.typerule import ColumnTypeRule


class PreferTimestampTz(ColumnTypeRule):
    id = "prefer-timestamp-tz"
    aliases = ("prefer-timestamp-tz",)
    type_names = frozenset({"timestamp"})
    summary = "A timestamp (without time zone) column."
    why = (
        "timestamp stores wall-clock time without an offset: values depend on the writer's "
        "TimeZone and comparisons across zones go wrong. timestamptz stores an instant."
    )
    advice = "use timestamptz"
    fix_sql = "CREATE TABLE t (created_at timestamptz NOT NULL DEFAULT now());"
    fix_alembic = "sa.Column('created_at', sa.DateTime(timezone=True))"
