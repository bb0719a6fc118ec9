"""Settings checks: the fixes they propose really fix what they found, role-level checks
against real roles, and server-wide changes made with ALTER SYSTEM and restored afterwards.

The plain positive and negative cases are case files (tests/cases/settings)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg import sql

from casefiles import Case, all_cases, apply_case, subject
from pgharness import TestDatabase
from pgsage.checks.settings.values import SETTING_CONTEXTS
from pgsage.commands import audit as audit_commands
from pgsage.model import Finding, Report
from pgsage.settings import Settings


def audit(
    db: TestDatabase,
    select: list[str] | tuple[str, ...],
    checks: dict[str, dict[str, Any]] | None = None,
) -> Report:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=list(select), checks=checks or {}))
    assert [r.check for r in report.results if r.status.value not in {"ok", "findings"}] == []
    return report


def run_script(db: TestDatabase, script: str) -> None:
    """Run fix SQL as psql would: statement by statement (ALTER SYSTEM refuses to run in the
    implicit transaction of a multi-statement query string)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    for statement in "\n".join(lines).split(";\n"):
        if statement.strip():
            db.execute(statement)


FIXABLE = [
    c for c in all_cases("settings") if c.expected and "checkpoints-forced" not in c.scope
]  # counters need no fixing


@pytest.mark.parametrize("case", FIXABLE, ids=lambda c: c.id)
def test_the_proposed_fix_resolves_the_finding(db: TestDatabase, case: Case) -> None:
    apply_case(db.dsn, case)
    report = audit(db, case.scope, case.params)
    assert {(f.check, str(f.object)) for f in report.findings} == case.expected
    for finding in report.findings:
        assert finding.fix_sql
        # Set in the case's own database, so the fix changes that database, not the server.
        assert not finding.fix_sql.startswith("ALTER SYSTEM"), finding.fix_sql
        run_script(db, finding.fix_sql)
    assert audit(db, case.scope, case.params).findings == []


# -- roles -----------------------------------------------------------------------------------
@contextmanager
def roles(db: TestDatabase, **definitions: str) -> Iterator[dict[str, str]]:
    """Roles named h4_<key>_<pid>, created with the given options and SET clauses."""
    names = {key: f"h4_{key}_{os.getpid()}" for key in definitions}
    try:
        for key, definition in definitions.items():
            options, _, settings = definition.partition(";")
            db.execute(
                sql.SQL("CREATE ROLE {} " + options)
                .format(sql.Identifier(names[key]))
                .as_string(None)
            )
            if settings.strip():
                db.execute(
                    sql.SQL("ALTER ROLE {} SET " + settings)
                    .format(sql.Identifier(names[key]))
                    .as_string(None)
                )
        yield names
    finally:
        for name in names.values():
            db.execute(
                sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)).as_string(None)
            )


ROLE_ZOO = {
    "app": "LOGIN",
    "tuned": "LOGIN; statement_timeout = '10s'",
    "disabled": "LOGIN; statement_timeout = 0",
    "idle_tuned": "LOGIN; idle_in_transaction_session_timeout = '1min'",
    "admin": "LOGIN SUPERUSER",
    "standby": "LOGIN REPLICATION",
    "group": "NOLOGIN",
}


def test_app_roles_without_statement_timeout(db: TestDatabase) -> None:
    with roles(db, **ROLE_ZOO) as names:
        report = audit(db, ["app-role-statement-timeout-unset"])
        flagged = {subject(f).name: f for f in report.findings}
        assert {names["app"], names["disabled"], names["idle_tuned"]} <= set(flagged)
        for key in ("tuned", "admin", "standby", "group"):
            assert names[key] not in flagged
        finding = flagged[names["app"]]
        assert subject(finding).kind == "role"
        assert finding.fix_sql == (f"ALTER ROLE \"{names['app']}\" SET statement_timeout = '30s';")
        run_script(db, finding.fix_sql)
        again = {subject(f).name for f in audit(db, ["app-role-statement-timeout-unset"]).findings}
        assert names["app"] not in again


# -- server-wide settings, changed with ALTER SYSTEM and restored ------------------------------
def _new_session_value(db: TestDatabase, name: str) -> str:
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        row = conn.execute("SELECT reset_val FROM pg_settings WHERE name = %s", [name]).fetchone()
    assert row is not None
    return str(row[0])


def _wait_for_value(db: TestDatabase, name: str, expected: str) -> None:
    deadline = time.monotonic() + 10
    while _new_session_value(db, name) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} did not become {expected!r} after the reload")
        time.sleep(0.05)


@contextmanager
def restored(db: TestDatabase, name: str) -> Iterator[None]:
    """Whatever the test does to ``name`` with ALTER SYSTEM is undone afterwards."""
    rows = db.execute("SELECT sourcefile FROM pg_settings WHERE name = %s", [name])
    assert not str(rows[0][0] or "").endswith("postgresql.auto.conf"), (
        f"{name} is already set with ALTER SYSTEM on the test server"
    )
    before = _new_session_value(db, name)
    try:
        yield
    finally:
        db.execute(sql.SQL("ALTER SYSTEM RESET {}").format(sql.Identifier(name)).as_string(None))
        db.execute("SELECT pg_reload_conf()")
        _wait_for_value(db, name, before)


def _one(report: Report, check: str) -> Finding:
    [finding] = [f for f in report.findings if f.check == check]
    return finding


def test_idle_in_transaction_timeout_unset_server_wide(db: TestDatabase) -> None:
    name = "idle_in_transaction_session_timeout"
    check = "idle-in-transaction-timeout-unset"
    with roles(db, **ROLE_ZOO) as names, restored(db, name):
        assert _new_session_value(db, name) == "0"  # the test servers' default
        finding = _one(audit(db, [check]), check)
        assert str(finding.object) == name
        without = finding.evidence["roles_without_timeout"]
        assert isinstance(without, list)
        assert {names["app"], names["tuned"]} <= set(without)
        for key in ("idle_tuned", "admin", "standby", "group"):
            assert names[key] not in without
        assert finding.fix_sql is not None
        assert finding.fix_sql.startswith(
            f"ALTER SYSTEM SET {name} = '5min';\nSELECT pg_reload_conf();"
        )
        assert f'-- ALTER ROLE "{names["app"]}" SET {name}' in finding.fix_sql
        run_script(db, finding.fix_sql)
        _wait_for_value(db, name, "300000")
        assert audit(db, [check]).findings == []


def test_slow_query_log_off_server_wide(db: TestDatabase) -> None:
    # The fixes say "reload" or "restart" from this table: it must match the server.
    rows = db.execute(
        "SELECT name, context FROM pg_settings WHERE name = ANY(%s)", [list(SETTING_CONTEXTS)]
    )
    assert dict(rows) == SETTING_CONTEXTS
    name = "log_min_duration_statement"
    with restored(db, name):
        finding = _one(audit(db, ["slow-query-log-off"]), "slow-query-log-off")
        assert finding.evidence["source"] == "default"
        assert finding.fix_sql == f"ALTER SYSTEM SET {name} = 1000;\nSELECT pg_reload_conf();"
        run_script(db, finding.fix_sql)
        _wait_for_value(db, name, "1000")
        assert audit(db, ["slow-query-log-off"]).findings == []
