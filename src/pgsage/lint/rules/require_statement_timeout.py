"""DDL without statement_timeout can hold its lock for as long as it runs."""

from __future__ import annotations

from pgsage.lint.model import Group
from pgsage.lint.rules.require_lock_timeout import RequireLockTimeout


class RequireStatementTimeout(RequireLockTimeout):
    id = "require-statement-timeout"
    aliases = ("require-statement-timeout", "require-timeout-settings")
    group = Group.TRANSACTIONS
    default_on = False
    summary = "A lock-taking statement before SET statement_timeout."
    why = (
        "Without statement_timeout a rewrite or a scan under an ACCESS EXCLUSIVE lock runs "
        "to the end however long it takes."
    )
    fix_sql = "SET statement_timeout = '5min';"
    fix_alembic = "op.execute(\"SET statement_timeout = '5min'\")"
    deviations = (
        "Opt-in in pgsage (CREATE INDEX CONCURRENTLY and backfills legitimately run "
        "long); squawk's require-timeout-settings asks for both timeouts."
    )
    setting = "statement_timeout"
