"""One CreateIndex per recommendation: the SQL shown, the finding's fix and the Alembic
revision all come from it, and the revision builds the very index the SQL builds."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
import sqlalchemy as sa
from advise_support import load
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from pgharness import TestDatabase
from pgsage.advise.alembic import revision_text, write_revision
from pgsage.advise.model import (
    Advice,
    Candidate,
    HelpedQuery,
    Key,
    QueryResult,
    Recommendation,
    RelName,
    WorkloadQuery,
)
from pgsage.advise.render import render_json
from pgsage.advise.report import advice_report
from pgsage.fixes.index import CreateIndex, IndexKey
from pgsage.model import Severity
from pgsage.reports import RENDERERS

USERS = RelName("public", "users")
HELPED = (HelpedQuery("SELECT 1 FROM users", 900.0, 9.0, ("Seq Scan on users",), ()),)
# every shape the advisor recommends: plain, covering (mixed-case names), expression, trigram
# GIN, jsonb GIN, partial, and a partitioned parent with its partitions' own indexes
RECOMMENDATIONS = (
    Recommendation(Candidate(USERS, (Key.of("email"),)), "users_email_idx", 1 << 20, (), HELPED),
    Recommendation(
        Candidate(
            RelName("Billing", "Invoices"),
            (Key.of("AccountId"),),
            include=("amount",),
            kind="covering",
        ),
        "Invoices_AccountId_incl_amount_idx",
        1 << 19,
    ),
    Recommendation(
        Candidate(USERS, (Key(expression="lower(email)", columns=("email",)),), kind="expression"),
        "users_expr_email_idx",
        1 << 20,
    ),
    Recommendation(
        Candidate(USERS, (Key.of("name"),), method="gin", opclass="gin_trgm_ops", kind="trigram"),
        "users_name_trgm_gin_idx",
        1 << 21,
    ),
    Recommendation(
        Candidate(USERS, (Key.of("profile"),), method="gin", opclass="jsonb_path_ops", kind="gin"),
        "users_profile_gin_idx",
        1 << 18,
    ),
    Recommendation(
        Candidate(USERS, (Key.of("tenant_id"),), where="status = 'pending'", kind="partial"),
        "users_tenant_id_partial_idx",
        1 << 12,
    ),
    Recommendation(
        Candidate(RelName("public", "events"), (Key.of("account_id"),)),
        "events_account_id_idx",
        1 << 20,
        partitions=(("public", "events_2024"), ("public", "events_2025")),
    ),
)
ADVICE = Advice(recommendations=RECOMMENDATIONS, queries=())


def revision_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("revision", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sql_alembic_and_finding_come_from_one_create_index() -> None:
    report = advice_report(ADVICE)
    assert report.command == "advise"
    by_name = {f.fix.name: f for f in report.findings if isinstance(f.fix, CreateIndex)}
    assert len(by_name) == len(RECOMMENDATIONS)
    text = revision_text(ADVICE, "abc123", None)
    compile(text, "revision.py", "exec")  # the revision is Python
    ddl = {r["ddl"] for r in json.loads(render_json(ADVICE))["recommendations"]}
    for rec in RECOMMENDATIONS:
        fix = rec.fix
        assert fix == rec.candidate.index(rec.name, rec.partitions)  # one object, derived once
        finding = by_name[rec.name]
        assert finding.fix == fix and finding.severity is Severity.WARNING
        assert finding.category == "indexes" and finding.object is not None
        assert (finding.object.schema, finding.object.name) == (
            rec.candidate.table.schema,
            rec.candidate.table.name,
        )
        assert finding.fix_sql == fix.to_sql() and fix.to_sql() in ddl
        assert finding.fix_alembic == fix.to_alembic() and fix.to_alembic() in text
        assert fix.drop().to_alembic() in text
        compile(fix.to_alembic().replace("    ", "", 1), "fix.py", "exec")
    email = by_name["users_email_idx"]
    assert email.evidence["cost_before"] == 900.0 and email.evidence["cost_after"] == 9.0
    assert email.evidence["statements_helped"] == 1 and email.evidence["size_bytes"] == 1 << 20
    assert "sa.text(" in text and "import sqlalchemy as sa" in text
    markdown = RENDERERS["markdown"](report)
    assert markdown.startswith("# pgsage advise") and by_name["users_email_idx"].fix_sql
    assert (by_name["users_email_idx"].fix_sql or "") in markdown


def test_create_index_keys_render_every_form() -> None:
    index = CreateIndex(
        "app",
        "Orders",
        ("shop_id", IndexKey(expression="lower(note)", opclass="text_pattern_ops")),
        "orders_mixed_idx",
        unique=True,
        include=("total",),
    )
    assert index.statement() == (
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "orders_mixed_idx" ON "app"."Orders" '
        '("shop_id", lower(note) text_pattern_ops) INCLUDE ("total")'
    )
    ann = CreateIndex(
        "public",
        "items",
        (IndexKey(column="embedding", opclass="vector_l2_ops"),),
        "items_embedding_hnsw_idx",
        method="hnsw",
        storage=(("m", 16),),
    )
    assert ann.statement().endswith('USING hnsw ("embedding" vector_l2_ops) WITH (m = 16)')
    assert "postgresql_with={'m': 16}" in ann.to_alembic()
    with pytest.raises(ValueError, match="storage parameter"):
        CreateIndex("public", "items", ("e",), "i", storage=(("m = 1; --", 1),))
    ordered = IndexKey(column="created_at", descending=True, nulls="last")
    assert ordered.to_sql() == '"created_at" DESC NULLS LAST'
    assert not ordered.plain and IndexKey(column="id").plain
    with pytest.raises(ValueError, match="a column or an expression"):
        IndexKey()
    # the checks' form keeps working: column names, positional
    legacy = CreateIndex("public", "orders", ("user_id",), "orders_user_id_idx")
    assert legacy.to_sql() == (
        "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "
        '"orders_user_id_idx" ON "public"."orders" ("user_id");'
    )
    assert "op.create_index('orders_user_id_idx', 'orders', ['user_id']" in legacy.to_alembic()


def _definitions(db: TestDatabase, names: set[str]) -> dict[str, str]:
    rows = db.execute("SELECT indexname, indexdef FROM pg_indexes")
    return {str(name): str(definition) for name, definition in rows if name in names}


def test_the_revision_builds_what_the_sql_builds(db: TestDatabase, tmp_path: Path) -> None:
    """Through real Alembic: upgrade creates each index valid, downgrade drops them all, and
    running each fix's SQL instead gives the same index definitions."""
    load(db)
    path = write_revision(ADVICE, tmp_path)
    module = revision_module(path)
    names = {name for rec in RECOMMENDATIONS for name in rec.fix.index_names()}
    assert set(module.PERF_INDEXES) == names
    engine = sa.create_engine(db.dsn.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn, Operations.context(MigrationContext.configure(conn)):
            module.upgrade()
        via_alembic = _definitions(db, names)
        assert set(via_alembic) == names
        assert db.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == [(0,)]
        with engine.connect() as conn, Operations.context(MigrationContext.configure(conn)):
            module.downgrade()
        assert _definitions(db, names) == {}
    finally:
        engine.dispose()
    with psycopg.connect(db.dsn, autocommit=True) as raw:
        for rec in RECOMMENDATIONS:
            for statement in rec.fix.to_sql().splitlines():
                raw.execute(statement.encode())
    assert _definitions(db, names) == via_alembic
    assert "gin_trgm_ops" in via_alembic["users_name_trgm_gin_idx"]
    assert "INCLUDE (amount)" in via_alembic["Invoices_AccountId_incl_amount_idx"]
    assert "WHERE (status = 'pending'::text)" in via_alembic["users_tenant_id_partial_idx"]
    assert "lower(email)" in via_alembic["users_expr_email_idx"]


def test_what_is_not_a_finding_is_a_note() -> None:
    skipped = QueryResult(WorkloadQuery("SELECT nope FROM users"), None, None, skipped="no column")
    advice = Advice(
        recommendations=(),
        queries=(skipped,),
        uncosted=((RECOMMENDATIONS[3].candidate, "hypopg: unsupported"),),
        notes=("LIKE patterns seen",),
    )
    report = advice_report(advice)
    assert report.findings == []
    assert report.notes == (
        "skipped: SELECT nope FROM users — no column",
        "not costed: public.users USING gin (name gin_trgm_ops): hypopg: unsupported — HypoPG "
        "refused it: rerun with --allow-real-indexes to build it inside a rolled-back "
        "transaction instead",
        "LIKE patterns seen",
    )
    assert report.stats == {
        "statements planned": 0,
        "statements skipped": 1,
        "indexes recommended": 0,
        "candidates not costed": 1,
        "tables without fresh statistics": 0,
    }
    for fmt in ("markdown", "html"):
        assert "skipped: SELECT nope FROM users" in RENDERERS[fmt](report)
