"""One database with dozens of planted problems: the problem cases of every check family,
each in a schema of its own, audited at once with every check. Every planted problem must be
reported by name (other findings may appear: the problems of one case are legitimate findings
about another's tables once all thresholds are lowered), and every fix must render both as SQL
and as the body of an Alembic upgrade()."""

from __future__ import annotations

import psycopg
from psycopg import sql

from casefiles import Case, all_cases
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.model import Fix
from pgsage.settings import Settings

# Cases that change the database, the server or roles (ALTER DATABASE/SYSTEM, roles, dropping
# pg_stat_statements) or need pg_stat_statements to hold only their own workload, would change
# what the other cases see; they keep their own tests. The rest share one database.
SHARED_STATE = (
    "ALTER DATABASE",
    "ALTER SYSTEM",
    "ROLE",
    "pg_stat_statements",
    "CREATE EXTENSION",
    "DROP EXTENSION",
    "pg_stat_reset",
    "checkpoint",
)
# The workload-pattern checks match the tables a query names against the catalog by name as
# the application's search_path resolves it; with one schema per case the same table names
# (users, bot_logs ...) repeat, so those cases keep their own database.
WORKLOAD_CHECKS = {"jsonb-without-gin", "like-without-trigram", "partial-index-opportunity"}
# A bare ANALYZE would refresh the statistics that another case planted as stale.
SCHEMA_ANALYZE = """DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT c.oid::regclass AS rel FROM pg_class c
           WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'm')
  LOOP EXECUTE format('ANALYZE %s', t.rel); END LOOP; END $$"""


def combinable(case: Case) -> bool:
    text = "\n".join(statement for statement, _ in case.statements)
    return (
        bool(case.expected)
        and not WORKLOAD_CHECKS & set(case.scope)
        and not any(s.lower() in text.lower() for s in SHARED_STATE)
    )


def merged_params(cases: list[Case]) -> dict[str, dict[str, object]]:
    merged: dict[str, dict[str, object]] = {}
    for case in cases:
        for check, params in case.params.items():
            for name, value in params.items():
                current = merged.setdefault(check, {}).get(name)
                # Two cases lowering one threshold differently: the lower one serves both.
                if current is None or (
                    isinstance(value, int | float)
                    and isinstance(current, int | float)
                    and value < current
                ):
                    merged[check][name] = value
    return merged


def test_every_planted_problem_is_found_by_name(db: TestDatabase) -> None:
    cases = [c for c in all_cases() if combinable(c)]
    expected: set[tuple[str, str]] = set()
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for case in cases:
            schema = case.id.replace("/", "__")
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
            for statement, may_fail in case.statements:
                scoped = SCHEMA_ANALYZE if statement.strip().upper() == "ANALYZE;" else statement
                try:
                    conn.execute(scoped.encode())
                except psycopg.Error:
                    assert may_fail, (case.id, statement)
            expected |= {
                (check, obj.replace("public.", f"{schema}.")) for check, obj in case.expected
            }
    assert len(expected) >= 36, len(expected)  # "a few dozen"
    report = audit_commands.audit(Settings(dsn=db.dsn, checks=merged_params(cases)))
    found = {(f.check, str(f.object)) for f in report.findings}
    assert expected - found == set()
    broken = [
        (r.check, r.status.value, r.reason)
        for r in report.results
        if r.status.value in ("error", "timeout")
    ]
    assert broken == []
    fixes = [f.fix for f in report.findings if f.fix is not None]
    assert len(fixes) >= 20, len(fixes)
    for fix in fixes:
        assert_renders_both_ways(fix)


def assert_renders_both_ways(fix: Fix) -> None:
    """The SQL form is text; the Alembic form compiles as the body of a revision's upgrade()
    (tests/fixes runs a representative set of both forms for real)."""
    assert fix.to_sql().strip(), fix
    body = fix.to_alembic()
    assert all(line.startswith("    ") for line in body.splitlines() if line.strip()), body
    compile(f"def upgrade() -> None:\n{body}\n", f"<{type(fix).__name__}>", "exec")
