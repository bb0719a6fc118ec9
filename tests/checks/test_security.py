"""Security checks against real roles, passwords, pg_hba.conf lines and listeners.

Roles are cluster-wide: every role made here has a unique name and is dropped in a finally
block. pg_hba.conf is edited on disk only (pg_hba_file_rules reads the file, so no reload is
needed and the running server never sees the change) and restored afterwards. The plain
positive and healthy cases are case files (tests/cases/security).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from casefiles import apply_case, case_named, subject
from pgharness import PASSWORD_ROLE, TestDatabase, TestServer, cleanup_root, make_root
from pgsage.checks.security.refs import is_local_address, split_list
from pgsage.commands import audit as audit_commands
from pgsage.db.cluster import LocalCluster
from pgsage.model import Report, Severity
from pgsage.settings import Settings


def audit(dsn: str, select: list[str], checks: dict[str, dict[str, Any]] | None = None) -> Report:
    report = audit_commands.audit(Settings(dsn=dsn, select=select, checks=checks or {}))
    assert [
        (r.check, r.reason) for r in report.results if r.status.value not in ("ok", "findings")
    ] == []
    return report


def found(report: Report) -> set[tuple[str, str]]:
    return {(f.check, str(f.object)) for f in report.findings}


def run_script(db: TestDatabase, script: str) -> None:
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    for statement in "\n".join(lines).split(";\n"):
        if statement.strip():
            db.execute(statement)


def unique(prefix: str) -> str:
    return f"pgsage_{prefix}_{uuid.uuid4().hex[:8]}"


@contextmanager
def roles(db: TestDatabase, *definitions: str) -> Iterator[list[str]]:
    """Create uniquely named roles, one session each, from templates of ';'-separated
    statements naming the role ``{name}``; drop them all afterwards."""
    names: list[str] = []
    try:
        for definition in definitions:
            name = unique("sec")
            names.append(name)
            with psycopg.connect(db.dsn, autocommit=True) as conn:  # SETs end with it
                for statement in definition.format(name=f'"{name}"').split(";"):
                    if statement.strip():
                        conn.execute(statement.encode())
        yield names
    finally:
        for name in names:
            db.execute(f'DROP ROLE IF EXISTS "{name}"')


# -- superuser-login ---------------------------------------------------------------------------
def test_superuser_login_reports_application_superusers(db: TestDatabase) -> None:
    with roles(
        db,
        "CREATE ROLE {name} LOGIN SUPERUSER",
        "CREATE ROLE {name} NOLOGIN SUPERUSER",
        "CREATE ROLE {name} LOGIN CREATEDB",
    ) as (app, group, _plain):
        report = audit(db.dsn, ["superuser-login"])
        assert found(report) == {("superuser-login", app)}
        finding = report.findings[0]
        assert finding.fix_sql == f'ALTER ROLE "{app}" NOSUPERUSER;'
        allowed = {"superuser-login": {"allowed_superusers": f"postgres, {app}"}}
        assert audit(db.dsn, ["superuser-login"], allowed).findings == []
        run_script(db, finding.fix_sql)
        assert audit(db.dsn, ["superuser-login"]).findings == []
        assert group  # a NOLOGIN superuser role is not a login


# -- md5-passwords -----------------------------------------------------------------------------
def test_md5_stored_passwords_and_role_overrides(db: TestDatabase) -> None:
    # PostgreSQL 18 still stores MD5 passwords, with a deprecation warning.
    with roles(
        db,
        "SET password_encryption = 'md5'; CREATE ROLE {name} LOGIN PASSWORD 'md5-pw'",
        "CREATE ROLE {name} LOGIN PASSWORD 'scram-pw'",
        "CREATE ROLE {name} LOGIN; ALTER ROLE {name} SET password_encryption = md5",
    ) as (md5_role, scram_role, override_role):
        stored = db.execute(
            "SELECT rolname, left(rolpassword, 3) FROM pg_authid WHERE rolname IN (%s, %s)",
            [md5_role, scram_role],
        )
        assert dict(stored) == {md5_role: "md5", scram_role: "SCR"}
        report = audit(db.dsn, ["md5-passwords"])
        assert found(report) == {("md5-passwords", md5_role), ("md5-passwords", override_role)}
        by_role = {subject(f).name: f for f in report.findings}
        assert by_role[md5_role].evidence["md5_password"] is True
        assert by_role[override_role].evidence["role_sets_md5"] is True
        fix = by_role[override_role].fix_sql
        assert fix == f'ALTER ROLE "{override_role}" RESET password_encryption;'
        run_script(db, fix)
        db.execute(f"ALTER ROLE \"{md5_role}\" PASSWORD 'new-scram-pw'")  # re-set as SCRAM
        assert audit(db.dsn, ["md5-passwords"]).findings == []


def test_md5_password_encryption_fix_resets_it_where_it_was_set(db: TestDatabase) -> None:
    apply_case(db.dsn, case_named("security", "md5_password_encryption"))
    finding = audit(db.dsn, ["md5-passwords"]).findings[0]
    assert finding.evidence["source"] == "database"
    assert finding.fix_sql == f'ALTER DATABASE "{db.name}" RESET password_encryption;'
    run_script(db, finding.fix_sql)
    assert audit(db.dsn, ["md5-passwords"]).findings == []


@contextmanager
def hba_lines(server: TestServer, lines: list[str]) -> Iterator[None]:
    """pg_hba.conf with ``lines`` first, on disk only; restored afterwards."""
    path = server.cluster.datadir / "pg_hba.conf"
    original = path.read_text()
    try:
        path.write_text("\n".join(lines) + "\n" + original)
        yield
    finally:
        path.write_text(original)


def test_weak_authentication_for_network_clients(db: TestDatabase) -> None:
    nobody = unique("nobody")  # never created: the lines can match no one
    with hba_lines(
        db.server,
        [
            f"host all {nobody} 10.0.0.0/8 md5",
            f"hostnossl all {nobody} 0.0.0.0/0 password",
            f"host all {nobody} 192.168.1.0/24 trust",
            f"host all {nobody} 127.0.0.1/32 md5",  # loopback: stays on the host
            f"local all {nobody} md5",  # Unix socket
            f"host all {nobody} 10.0.0.0/8 scram-sha-256",
        ],
    ):
        report = audit(db.dsn, ["md5-passwords"])
    assert found(report) == {
        ("md5-passwords", "pg_hba.conf line 1"),
        ("md5-passwords", "pg_hba.conf line 2"),
        ("md5-passwords", "pg_hba.conf line 3"),
    }
    severity = {subject(f).name: f.severity for f in report.findings}
    assert severity["pg_hba.conf line 3"] is Severity.ERROR  # trust
    assert severity["pg_hba.conf line 1"] is Severity.WARNING
    assert audit(db.dsn, ["md5-passwords"]).findings == []  # the file is back


# -- password-expiry ---------------------------------------------------------------------------
def test_password_expiry_is_opt_in(db: TestDatabase) -> None:
    with roles(
        db,
        "CREATE ROLE {name} LOGIN PASSWORD 'never-expires'",
        "CREATE ROLE {name} LOGIN PASSWORD 'dated' VALID UNTIL '2100-01-01'",
        "CREATE ROLE {name} LOGIN",  # no password: nothing to expire
        "CREATE ROLE {name} NOLOGIN PASSWORD 'group'",
    ) as (forever, dated, _none, _group):
        assert audit(db.dsn, ["password-expiry"]).findings == []
        enabled = {"password-expiry": {"enabled": True}}
        report = audit(db.dsn, ["password-expiry"], enabled)
        # the harness's own password role has no expiry either
        assert found(report) == {("password-expiry", forever), ("password-expiry", PASSWORD_ROLE)}
        assert all(f.severity is Severity.INFO for f in report.findings)
        # with a policy of at most a year, a VALID UNTIL decades ahead is reported too
        strict = {"password-expiry": {"enabled": True, "max_days": 365}}
        assert found(audit(db.dsn, ["password-expiry"], strict)) == {
            ("password-expiry", forever),
            ("password-expiry", dated),
            ("password-expiry", PASSWORD_ROLE),
        }


# -- ssl-off -----------------------------------------------------------------------------------
def test_ssl_off_reported_on_a_network_listener(server: TestServer) -> None:
    # The shared test servers listen on 127.0.0.1 only (the healthy case file shows they are
    # not reported); a listener on every interface needs a server of its own.
    root = make_root()
    cluster = LocalCluster(
        bindir=server.cluster.bindir,
        home=root / "exposed",
        settings={"listen_addresses": "'*'", "fsync": "off"},
    )
    try:
        cluster.start()
        report = audit(cluster.dsn(), ["ssl-off"])
        assert found(report) == {("ssl-off", "ssl")}
        assert report.findings[0].evidence["non_local_addresses"] == ["*"]
    finally:
        cluster.destroy()
        cleanup_root(root)


@pytest.mark.parametrize(
    ("listen", "exposed"),
    [
        ("localhost", []),
        ("127.0.0.1, ::1", []),
        ("", []),
        ("*", ["*"]),
        ("127.0.0.1,10.1.2.3", ["10.1.2.3"]),
        ("db.internal", ["db.internal"]),
    ],
)
def test_which_listen_addresses_leave_the_host(listen: str, exposed: list[str]) -> None:
    assert [a for a in split_list(listen) if not is_local_address(a)] == exposed
