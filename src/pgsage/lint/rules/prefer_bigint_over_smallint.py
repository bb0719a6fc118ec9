"""smallint overflows at 32,767."""

from __future__ import annotations

from pgsage.lint.typerule import ColumnTypeRule


class PreferBigintOverSmallint(ColumnTypeRule):
    id = "prefer-bigint-over-smallint"
    aliases = ("prefer-bigint-over-smallint",)
    default_on = False
    type_names = frozenset({"int2", "smallint", "smallserial", "serial2"})
    summary = "A smallint / smallserial column."
    why = "smallint overflows at 32,767; widening it later rewrites the table."
    advice = "use bigint (widening later rewrites the table)"
    fix_sql = "CREATE TABLE t (n bigint);"
    fix_alembic = "sa.Column('n', sa.BigInteger())"
    deviations = (
        "Opt-in in pgsage (small enumerations and flags are legitimate smallints); "
        "squawk enables it by default."
    )
