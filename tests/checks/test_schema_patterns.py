"""Schema-pattern checks against workloads run for real with psycopg parameters (what
pg_stat_statements records from an application), and their fixes applied for real: after the
fix SQL runs, the same workload no longer produces the finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from casefiles import subject
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.model import Finding, Severity
from pgsage.settings import Settings

Workload = Sequence[tuple[str, Sequence[Any] | None]]


def run(db: TestDatabase, workload: Workload, *, repeat: int = 2) -> None:
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        for _ in range(repeat):
            for query, params in workload:
                cur = conn.execute(query, params) if params is not None else conn.execute(query)
                if cur.description:
                    cur.fetchall()


def audit(db: TestDatabase, check: str, **params: Any) -> list[Finding]:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=[check], checks={check: params}))
    [result] = report.results
    assert result.status.value in ("ok", "findings"), result.reason
    return list(report.findings)


def apply(db: TestDatabase, fix_sql: str | None) -> None:
    """Run a finding's fix statement by statement (CONCURRENTLY needs autocommit)."""
    assert fix_sql
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for statement in executable(fix_sql):
            conn.execute(statement.encode())


def executable(script: str, *, commented: bool = False) -> list[str]:
    """The statements of a fix: its SQL lines, or (commented=True) also its '--   ' lines."""
    statements, buffer = [], []
    for raw in script.splitlines():
        if raw.startswith("--   ") and commented:
            line = raw[5:]
        elif raw.startswith("--"):
            continue
        else:
            line = raw
        buffer.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(buffer))
            buffer = []
    return statements


USERS = """
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, username text NOT NULL,
                    email text NOT NULL, is_admin boolean NOT NULL DEFAULT false,
                    status text NOT NULL DEFAULT 'active', created_at timestamptz NOT NULL);
INSERT INTO users (username, email, is_admin, status, created_at)
SELECT 'user' || g, 'user' || g || '@example.com', g % 25 = 0,
       CASE WHEN g % 10 = 0 THEN 'banned' ELSE 'active' END,
       timestamptz '2025-01-01' + g * interval '1 hour'
FROM generate_series(1, 2000) g;
ANALYZE users;
"""


def test_like_with_parameters_and_the_trigram_fix(db: TestDatabase) -> None:
    db.execute(USERS)
    workload: Workload = [
        ("SELECT id FROM users WHERE email LIKE '%%' || %s || '%%'", ["example"]),
        ("SELECT id FROM users WHERE username ILIKE %s", ["%bob%"]),
        ("SELECT id FROM users WHERE username LIKE %s", ["user1%"]),  # unknown: not judged
    ]
    run(db, workload)
    findings = audit(db, "like-without-trigram", min_rows=100.0)
    assert {str(f.object): f.severity for f in findings} == {
        "public.users.email": Severity.INFO,
        "public.users.username": Severity.INFO,
    }
    email = next(f for f in findings if subject(f).name == "users.email")
    assert email.evidence["patterns"] == "email LIKE '%' || $n || '%'"
    assert email.fix_sql is not None and "CREATE EXTENSION IF NOT EXISTS" in email.fix_sql
    assert 'USING gin ("email" gin_trgm_ops)' in email.fix_sql
    assert audit(db, "like-without-trigram") == []  # 2,000 rows: under the default 10,000
    for finding in findings:
        apply(db, finding.fix_sql)
    run(db, workload)
    assert audit(db, "like-without-trigram", min_rows=100.0) == []


def test_like_literal_pattern_from_a_cursor(db: TestDatabase) -> None:
    """A server-side cursor can leave its literal pattern in pg_stat_statements (always before
    PostgreSQL 16; on 16+ when the transaction end closes the cursor): a leading '%' is then
    certain, a warning. Where only the normalized $1 text is recorded, it is likely (info)."""
    db.execute(USERS)
    with psycopg.connect(db.dsn) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        conn.commit()
        conn.execute(
            "DECLARE search CURSOR FOR SELECT id FROM users WHERE lower(username) ILIKE '%bob%'"
        )
        conn.execute("FETCH 10 FROM search")
        conn.commit()
    texts = [
        str(r[0])
        for r in db.execute(
            "SELECT query FROM pg_stat_statements WHERE query LIKE 'DECLARE search%'"
        )
    ]
    certain = any("'%bob%'" in text for text in texts)
    assert certain or db.major >= 16
    [finding] = audit(db, "like-without-trigram", min_rows=100.0)
    assert str(finding.object) == "public.users.username"
    assert finding.severity is (Severity.WARNING if certain else Severity.INFO)
    assert finding.evidence["leading_wildcard_certain"] is certain
    assert 'USING gin (lower("username") gin_trgm_ops)' in (finding.fix_sql or "")
    apply(db, finding.fix_sql)  # the index on lower(username) serves the recorded search
    assert audit(db, "like-without-trigram", min_rows=100.0) == []


def test_jsonb_opclass_choice_and_the_gin_fix(db: TestDatabase) -> None:
    db.execute("""
        CREATE TABLE applications (id serial PRIMARY KEY, interview_data jsonb, audit_data jsonb);
        INSERT INTO applications (interview_data, audit_data)
        SELECT jsonb_build_object('stage', 'draft', 'n', g % 9), jsonb_build_object('k' || g % 5, g)
        FROM generate_series(1, 1000) g;
        ANALYZE applications;
    """)
    workload: Workload = [
        ("SELECT id FROM applications WHERE interview_data @> %s::jsonb", ['{"n": 3}']),
        ("SELECT id FROM applications WHERE audit_data ? %s", ["k1"]),
        ("SELECT id FROM applications WHERE audit_data @> %s::jsonb", ['{"k1": 1}']),
    ]
    run(db, workload)
    findings = {subject(f).name: f for f in audit(db, "jsonb-without-gin", min_rows=100.0)}
    assert set(findings) == {"applications.interview_data", "applications.audit_data"}
    assert findings["applications.interview_data"].evidence["opclass"] == "jsonb_path_ops"
    assert findings["applications.audit_data"].evidence["opclass"] == "jsonb_ops"
    assert findings["applications.audit_data"].evidence["operators"] == "?, @>"
    for finding in findings.values():
        apply(db, finding.fix_sql)
    run(db, workload)
    assert audit(db, "jsonb-without-gin", min_rows=100.0) == []


def test_partial_index_value_from_parameters_and_text(db: TestDatabase) -> None:
    db.execute(USERS)
    workload: Workload = [
        # pg_stat_statements keeps is_admin = $1 and status = $1 whether the application bound
        # the value or wrote it as a literal: the value is pg_stats' least common one
        ("SELECT id FROM users WHERE is_admin = %s ORDER BY created_at DESC LIMIT 20", [True]),
        ("SELECT id FROM users WHERE status = 'banned' AND username = %s", ["user10"]),
    ]
    run(db, workload)
    findings = {subject(f).name: f for f in audit(db, "partial-index-opportunity", min_rows=1000.0)}
    assert set(findings) == {"users.is_admin", "users.status"}
    admin = findings["users.is_admin"]
    assert admin.severity is Severity.INFO  # guessed from pg_stats, so not a warning
    assert admin.evidence["value"] == "t"
    assert admin.evidence["value_from"] == "pg_stats (least common value)"
    assert admin.evidence["index_columns"] == "created_at"
    assert (
        admin.fix_sql is not None
        and 'ON "public"."users" ("created_at") WHERE "is_admin" = true' in admin.fix_sql
    )
    status = findings["users.status"]
    assert status.evidence["value"] == "banned"
    assert status.evidence["index_columns"] == "username"
    for finding in findings.values():
        apply(db, finding.fix_sql)
    run(db, workload)
    assert audit(db, "partial-index-opportunity", min_rows=1000.0) == []


def test_partial_index_minority_named_in_the_text_is_a_warning(db: TestDatabase) -> None:
    db.execute(USERS)
    run(db, [("SELECT id FROM users WHERE is_admin IS TRUE AND created_at > %s", ["2025-02-01"])])
    [finding] = audit(db, "partial-index-opportunity", min_rows=1000.0)
    assert finding.severity is Severity.WARNING
    assert finding.evidence["value_from"] == "statement text"
    fraction = finding.evidence["value_fraction"]
    assert isinstance(fraction, float) and fraction < 0.1
    # the majority value (NOT is_admin, 96 % of rows) is above max_value_fraction: no finding
    run(db, [("SELECT id FROM users WHERE NOT is_admin AND created_at > %s", ["2025-02-01"])])
    assert audit(db, "partial-index-opportunity", min_rows=1000.0) == []


def test_not_valid_constraint_fix(db: TestDatabase) -> None:
    db.execute("""
        CREATE TABLE users (id serial PRIMARY KEY, email text);
        INSERT INTO users (email) SELECT 'u' || g || '@x.org' FROM generate_series(1, 100) g;
        ALTER TABLE users ADD CONSTRAINT "Email Format" CHECK (email LIKE '%@%') NOT VALID;
    """)
    [finding] = audit(db, "not-valid-constraint")
    assert str(finding.object) == "public.Email Format on public.users"
    assert finding.fix_sql == (
        'SET lock_timeout = \'5s\';\nALTER TABLE "public"."users" '
        'VALIDATE CONSTRAINT "Email Format";'
    )
    apply(db, finding.fix_sql)
    assert audit(db, "not-valid-constraint") == []


def test_partition_plan_runs_end_to_end(db: TestDatabase) -> None:
    """Step 1 of the plan as given, then the commented migration and retention steps: the
    table ends up partitioned by month with its rows, its identity continuing."""
    db.execute("""
        CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  visit_date timestamptz NOT NULL DEFAULT now(),
                                  page_path text NOT NULL, is_admin boolean NOT NULL DEFAULT false,
                                  path_length int GENERATED ALWAYS AS (length(page_path)) STORED);
        CREATE INDEX site_visits_date_path ON site_visits (visit_date DESC, page_path);
        CREATE UNIQUE INDEX site_visits_path_once ON site_visits (page_path, visit_date);
        INSERT INTO site_visits (visit_date, page_path)
        SELECT now() - g * interval '30 minutes', '/page/' || g FROM generate_series(1, 3000) g;
        SELECT pg_stat_force_next_flush();
    """)
    [finding] = audit(db, "partition-time-series", min_bytes=65536, min_inserts=1000)
    assert str(finding.object) == "public.site_visits"
    assert finding.evidence["partition_column"] == "visit_date"
    plan = finding.fix_sql or ""
    assert 'PARTITION BY RANGE ("visit_date")' in plan
    assert 'ADD PRIMARY KEY ("id", "visit_date")' in plan
    assert "keeping 90 days" in plan and "DETACH PARTITION" in plan
    rows = db.execute("SELECT count(*) FROM site_visits")[0][0]
    apply(db, plan)  # step 1: the twin and its partitions
    assert db.execute("SELECT count(*) FROM site_visits_partitioned")[0][0] == 0
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for statement in executable(plan, commented=True)[len(executable(plan)) :]:
            conn.execute(statement.encode())
    assert (
        db.execute("SELECT relkind FROM pg_class WHERE oid = 'site_visits'::regclass")[0][0] == "p"
    )
    # rows older than the oldest partition were past retention; the retention step then
    # dropped the oldest month
    kept = db.execute("SELECT count(*) FROM site_visits")[0][0]
    assert 0 < kept <= rows
    db.execute("INSERT INTO site_visits (page_path) VALUES ('/new')")
    new_id = db.execute("SELECT id FROM site_visits WHERE page_path = '/new'")[0][0]
    assert new_id > db.execute("SELECT max(id) FROM site_visits_old")[0][0]
    db.execute("DROP TABLE site_visits_old")
    assert audit(db, "partition-time-series", min_bytes=0, min_inserts=0) == []
