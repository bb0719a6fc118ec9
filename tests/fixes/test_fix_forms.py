"""Every fix renders itself twice — SQL for psql, an Alembic body for a revision — and the two
must do the same thing. The SQL form runs through psycopg, statement by statement as psql
would; the Alembic form is written into a revision of a throwaway Alembic project and run with
``alembic upgrade`` against the same server. Each case applies one fix to a schema (or role) of
its own and compares what the catalog says afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from psycopg import sql

from pgharness import TestDatabase
from pgsage.fixes.constraint import AddForeignKey, DropConstraint, ValidateConstraint
from pgsage.fixes.index import CreateIndex, DropIndex, IndexKey, ReindexIndex
from pgsage.fixes.partition_index import PartitionedIndex
from pgsage.fixes.roles import RemoveSuperuser, ResetPassword, RevokeSchemaCreate
from pgsage.fixes.schema import PartitionPlan
from pgsage.fixes.server import CreateExtension, DropReplicationSlot, EndSession
from pgsage.fixes.settings import ResetSetting, SetSetting
from pgsage.fixes.steps import Comment, CommentedOut, Steps
from pgsage.fixes.table import (
    AddIdentityPrimaryKey,
    AlterColumnType,
    Analyze,
    ColumnRef,
    PromoteUniqueIndex,
    ReplaceWithGenerated,
    ResetStorageParameter,
    SetStorageParameter,
    Vacuum,
    VacuumTables,
    WidenSequence,
)
from pgsage.fixes.vector import RebuildAnnIndex, column_key
from pgsage.model import Fix

ENV_PY = """\
from alembic import context
from sqlalchemy import create_engine

def run_migrations_online() -> None:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()

run_migrations_online()
"""

REVISION = """\
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = None


def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
"""


def upgrade_source(fix: Fix) -> str:
    return REVISION.format(revision="fix", body=fix.to_alembic())


def run_sql(dsn: str, script: str) -> None:
    """As psql would: statement by statement in autocommit (CONCURRENTLY and VACUUM refuse a
    transaction block)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in "\n".join(lines).split(";\n"):
            if statement.strip():
                conn.execute(statement.encode())


def run_alembic(dsn: str, fix: Fix, folder: Path) -> None:
    """``alembic upgrade head`` of a one-revision project whose upgrade() is the fix."""
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(ENV_PY)
    (folder / "script.py.mako").write_text("")
    (folder / "versions" / "fix.py").write_text(upgrade_source(fix))
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", dsn.replace("postgresql://", "postgresql+psycopg://"))
    command.upgrade(config, "head")


# -- every fix class, with names that need quoting, renders a valid Alembic body -------------

ODD = 'Odd "Name"'  # a space, capitals and a double quote: every identifier must be quoted

SAMPLES: list[Fix] = [
    CreateIndex("public", ODD, ("a", ODD), "ix", unique=True, where="a > 0"),
    CreateIndex("public", "t", ("v",), "ix_gin", method="gin"),
    DropIndex("public", ODD),
    ReindexIndex("public", ODD),
    DropConstraint("public", ODD, ODD),
    CreateIndex(
        "public",
        ODD,
        (IndexKey.of(ODD, "gin_trgm_ops", "lower"),),
        "ix",
        "gin",
        extension="pg_trgm",
    ),
    CreateIndex("public", "t", (IndexKey.of("doc", "jsonb_path_ops"),), "ix", "gin"),
    CreateIndex(
        "public",
        ODD,
        ("k",),
        "ix",
        partitions=(("public", ODD), ("public", "p2")),
        reuse=(("public", ODD, ODD),),
    ),
    CreateIndex(
        "public", ODD, ("k",), "ix", partitions=(("public", ODD),), reuse=(("public", ODD, ODD),)
    ).undo(),
    ValidateConstraint("public", ODD, ODD),
    PartitionPlan(
        "public",
        ODD,
        "at",
        (date(2024, 1, 1), date(2024, 2, 1)),
        date(2024, 2, 1),
        30,
        ("id", "at"),
    ),
    Vacuum("public", ODD),
    Vacuum("public", ODD, ("FULL",)),
    VacuumTables((("public", ODD), ("public", "t")), ("FREEZE", "VERBOSE")),
    Analyze("public", ODD),
    SetStorageParameter("public", ODD, "autovacuum_vacuum_scale_factor", 0.05),
    ResetStorageParameter("public", ODD, "autovacuum_enabled"),
    PromoteUniqueIndex("public", ODD, "ix", "pk"),
    PromoteUniqueIndex("public", ODD, "ix", "pk", ("id",)),
    AddIdentityPrimaryKey("public", ODD, "id"),
    WidenSequence("public", "s", (ColumnRef("public", ODD, "id"),), drop_maxvalue=True),
    CreateIndex(
        "public", ODD, (column_key("v", "vector_l2_ops"),), "ix", "hnsw", storage=(("m", 16),)
    ),
    RebuildAnnIndex(
        ODD, CreateIndex("public", "t", (column_key("v", "vector_l2_ops"),), "ix2", "ivfflat")
    ),
    SetSetting(name="statement_timeout", value="30s", role=ODD, database=ODD),
    SetSetting(name="autovacuum", value=True),
    SetSetting(name="shared_preload_libraries", value=("a", "b"), reload=False, note="restart"),
    ResetSetting(name="password_encryption", role=ODD),
    ResetSetting(name="password_encryption"),
    EndSession(42),
    DropReplicationSlot("it's"),
    CreateExtension("pg_trgm"),
    RemoveSuperuser(ODD),
    RevokeSchemaCreate(ODD),
    ResetPassword(ODD),
    Steps((Comment("only comments"), CommentedOut(EndSession(1, cancel=True)))),
    Steps((ReindexIndex("public", ODD), Comment("or:"), CommentedOut(DropIndex("public", ODD)))),
    AddForeignKey("public", ODD, ODD, (ODD,), "public", ODD, ("id",)),
    AlterColumnType("public", ODD, ODD, "boolean", using='"x" <> 0', default="false"),
    AlterColumnType(
        "public",
        ODD,
        ODD,
        "timestamptz",
        rewrites=False,
        prelude=("-- UTC", "SET TIME ZONE 'UTC';"),
    ),
    ReplaceWithGenerated("public", ODD, ODD, "integer", '"b"::integer'),
    PartitionedIndex(
        CreateIndex("public", ODD, (ODD,), "ix"), (("public", "p1_ix"),), (("public", ODD),)
    ),
]


def assert_renders_both_ways(fix: Fix) -> None:
    """The SQL form is text; the Alembic form compiles as the body of upgrade()."""
    assert fix.to_sql().strip(), fix
    body = fix.to_alembic()
    assert all(line.startswith("    ") for line in body.splitlines() if line.strip()), body
    compile(upgrade_source(fix), f"<{type(fix).__name__}>", "exec")


@pytest.mark.parametrize("fix", SAMPLES, ids=lambda f: type(f).__name__)
def test_every_fix_class_renders_sql_and_an_alembic_body(fix: Fix) -> None:
    assert_renders_both_ways(fix)


def test_a_setting_name_is_never_text_from_outside() -> None:
    with pytest.raises(ValueError, match="not a setting name"):
        SetSetting(name="work_mem = 1; DROP TABLE x", value=1).to_sql()


def test_an_alternative_is_shown_but_never_run() -> None:
    fix = Steps((ReindexIndex("s", "i"), Comment("or:"), CommentedOut(DropIndex("s", "i"))))
    assert [line for line in fix.to_sql().splitlines() if not line.startswith("--")] == [
        "SET lock_timeout = '5s';",
        'REINDEX INDEX CONCURRENTLY "s"."i";',
    ]
    assert "drop_index" not in "".join(
        line for line in fix.to_alembic().splitlines() if not line.lstrip().startswith("#")
    )


# -- the two forms, run for real, do the same ------------------------------------------------


@dataclass(frozen=True)
class Case:
    """``setup`` plants the problem in a schema (``{s}``); ``fix`` builds the fix for that
    schema; ``state`` reads what the fix changes, as comparable data."""

    setup: str
    fix: Callable[[str], Fix]
    state: Callable[[psycopg.Connection[Any], str], Any]


def indexes(conn: psycopg.Connection[Any], schema: str) -> Any:
    rows = conn.execute(
        "SELECT i.indexname, replace(i.indexdef, quote_ident(i.schemaname), 'S'), x.indisvalid "
        "FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
        "AND c.relnamespace = i.schemaname::regnamespace "
        "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname = %s ORDER BY 1",
        [schema],
    ).fetchall()
    return rows


def constraints(conn: psycopg.Connection[Any], schema: str) -> Any:
    return conn.execute(
        "SELECT conname, contype, convalidated, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = %s::regnamespace ORDER BY 1",
        [schema],
    ).fetchall()


def storage(conn: psycopg.Connection[Any], schema: str) -> Any:
    # relpages: VACUUM counts the pages of a table that has never been vacuumed or analyzed.
    return conn.execute(
        "SELECT relname, reloptions, relpages > 0 FROM pg_class "
        "WHERE relnamespace = %s::regnamespace AND relkind IN ('r', 'p') ORDER BY 1",
        [schema],
    ).fetchall()


def tables(conn: psycopg.Connection[Any], schema: str) -> Any:
    return conn.execute(
        "SELECT c.relname, c.relkind, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c "
        "WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1",
        [schema],
    ).fetchall()


def foreign_keys(conn: psycopg.Connection[Any], schema: str) -> Any:
    """Constraints with the referenced table's schema (each form's own) left out."""
    return [
        (name, kind, valid, definition.replace(f"{schema}.", ""))
        for name, kind, valid, definition in constraints(conn, schema)
    ]


def columns(conn: psycopg.Connection[Any], schema: str) -> Any:
    return conn.execute(
        "SELECT table_name, column_name, data_type, column_default, is_generated "
        "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
        [schema],
    ).fetchall()


TABLE = "CREATE TABLE {s}.orders (id bigint NOT NULL, user_id int, doc jsonb, note text)"
ROWS = "INSERT INTO {s}.orders SELECT g, g % 10, '{}', 'n' FROM generate_series(1, 500) g"

CASES = {
    "create-index": Case(
        TABLE,
        lambda s: CreateIndex(s, "orders", ("user_id", "id"), "orders_user_idx", where="id > 0"),
        indexes,
    ),
    "create-keyed-index": Case(
        TABLE,
        lambda s: CreateIndex(
            s, "orders", (IndexKey.of("doc", "jsonb_path_ops"),), "orders_doc_idx", "gin"
        ),
        indexes,
    ),
    "create-index-on-an-expression": Case(
        TABLE,
        lambda s: CreateIndex(
            s, "orders", (IndexKey.of("note", "text_pattern_ops", "lower"),), "orders_note_idx"
        ),
        indexes,
    ),
    # a partitioned parent's index: ev_1's equivalent index attached, ev_2's built
    "create-index-on-a-parent-reusing-a-partition-index": Case(
        "CREATE TABLE {s}.ev (id int, k int) PARTITION BY RANGE (id); "
        "CREATE TABLE {s}.ev_1 PARTITION OF {s}.ev FOR VALUES FROM (0) TO (100); "
        "CREATE TABLE {s}.ev_2 PARTITION OF {s}.ev FOR VALUES FROM (100) TO (200); "
        "CREATE INDEX ev_1_k_old ON {s}.ev_1 (k)",
        lambda s: CreateIndex(
            s,
            "ev",
            ("k",),
            "ev_k_idx",
            partitions=((s, "ev_1"), (s, "ev_2")),
            reuse=((s, "ev_1", "ev_1_k_old"),),
        ),
        indexes,
    ),
    "drop-index": Case(
        f"{TABLE}; CREATE INDEX orders_note_idx ON {{s}}.orders (note)",
        lambda s: DropIndex(s, "orders_note_idx"),
        indexes,
    ),
    "reindex": Case(
        f"{TABLE}; CREATE INDEX orders_note_idx ON {{s}}.orders (note)",
        lambda s: ReindexIndex(s, "orders_note_idx"),
        indexes,
    ),
    "drop-constraint": Case(
        f"{TABLE}; ALTER TABLE {{s}}.orders ADD CONSTRAINT orders_id_key UNIQUE (id)",
        lambda s: DropConstraint(s, "orders", "orders_id_key"),
        constraints,
    ),
    "validate-constraint": Case(
        f"{TABLE}; {ROWS}; ALTER TABLE {{s}}.orders ADD CONSTRAINT positive CHECK (id > 0) "
        "NOT VALID",
        lambda s: ValidateConstraint(s, "orders", "positive"),
        constraints,
    ),
    "promote-unique-index": Case(
        f"{TABLE}; CREATE UNIQUE INDEX orders_id_idx ON {{s}}.orders (id)",
        lambda s: PromoteUniqueIndex(s, "orders", "orders_id_idx", "orders_pkey"),
        constraints,
    ),
    "set-storage-parameter": Case(
        TABLE,
        lambda s: SetStorageParameter(s, "orders", "autovacuum_vacuum_scale_factor", 0.02),
        storage,
    ),
    "reset-storage-parameter": Case(
        f"{TABLE} WITH (autovacuum_enabled = off)",
        lambda s: ResetStorageParameter(s, "orders", "autovacuum_enabled"),
        storage,
    ),
    "vacuum-tables": Case(
        f"{TABLE}; {ROWS}",
        lambda s: VacuumTables(((s, "orders"),), ("FREEZE", "VERBOSE")),
        storage,
    ),
    "add-foreign-key": Case(
        f"{TABLE}; {ROWS}; CREATE TABLE {{s}}.users (id int PRIMARY KEY); "
        "INSERT INTO {s}.users SELECT generate_series(0, 9)",
        lambda s: AddForeignKey(s, "orders", "orders_user_fkey", ("user_id",), s, "users", ("id",)),
        foreign_keys,
    ),
    "alter-column-type": Case(
        f"{TABLE}; {ROWS}; ALTER TABLE {{s}}.orders ALTER COLUMN user_id SET DEFAULT 0",
        lambda s: AlterColumnType(
            s, "orders", "user_id", "boolean", using='"user_id" <> 0', default="false"
        ),
        columns,
    ),
    "replace-with-generated": Case(
        f"{TABLE}; {ROWS}; ALTER TABLE {{s}}.orders ADD COLUMN flag boolean DEFAULT true",
        lambda s: ReplaceWithGenerated(s, "orders", "user_id", "integer", '"flag"::integer'),
        columns,
    ),
    "partitioned-index": Case(
        "CREATE TABLE {s}.events (id int, at date) PARTITION BY RANGE (at); "
        "CREATE TABLE {s}.events_1 PARTITION OF {s}.events FOR VALUES FROM ('2024-01-01') "
        "TO ('2024-02-01'); CREATE TABLE {s}.events_2 PARTITION OF {s}.events FOR VALUES "
        "FROM ('2024-02-01') TO ('2024-03-01'); CREATE INDEX events_1_id ON {s}.events_1 (id)",
        lambda s: PartitionedIndex(
            CreateIndex(s, "events", ("id",), "events_id_idx"),
            existing=((s, "events_1_id"),),
            missing=((s, "events_2"),),
        ),
        indexes,
    ),
    "partition-plan-step-one": Case(
        f"{TABLE}; ALTER TABLE {{s}}.orders ADD COLUMN at timestamptz NOT NULL DEFAULT now()",
        lambda s: PartitionPlan(
            s,
            "orders",
            "at",
            (date(2024, 1, 1), date(2024, 2, 1)),
            date(2024, 2, 1),
            30,
            ("id", "at"),
        ),
        tables,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sql_and_alembic_forms_have_the_same_effect(
    db: TestDatabase, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    results = {}
    for form in ("sql", "alembic"):
        schema = f"{form}_{name.replace('-', '_')}"
        setup = case.setup.replace("{s}", sql.Identifier(schema).as_string(None))
        run_sql(db.dsn, f"CREATE SCHEMA {sql.Identifier(schema).as_string(None)};\n" + setup)
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            before = case.state(conn, schema)
        fix = case.fix(schema)
        if form == "sql":
            run_sql(db.dsn, fix.to_sql())
        else:
            run_alembic(db.dsn, fix, tmp_path / name)
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            after = case.state(conn, schema)
        if name != "reindex":  # a rebuild leaves the catalog as it was
            assert after != before, (form, fix.to_sql())
        results[form] = after
    assert results["sql"] == results["alembic"]


@contextmanager
def roles(db: TestDatabase, count: int) -> Iterator[list[str]]:
    names = [f"pgsage_fix_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    for role in names:
        db.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        yield names
    finally:
        for role in names:
            db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def role_settings(db: TestDatabase, role: str) -> Any:
    return db.execute(
        "SELECT d.datname, s.setconfig FROM pg_db_role_setting s "
        "LEFT JOIN pg_database d ON d.oid = s.setdatabase "
        "WHERE s.setrole = %s::regrole ORDER BY 1",
        [role],
    )


def test_role_settings_take_the_same_effect_both_ways(db: TestDatabase, tmp_path: Path) -> None:
    with roles(db, 2) as (by_sql, by_alembic):
        for role, form in ((by_sql, "sql"), (by_alembic, "alembic")):
            fixes = Steps(
                (
                    SetSetting(name="statement_timeout", value="30s", role=role, database=db.name),
                    SetSetting(name="work_mem", value="64MB", role=role),
                    ResetSetting(name="work_mem", role=role),
                    RemoveSuperuser(role),
                )
            )
            if form == "sql":
                run_sql(db.dsn, fixes.to_sql())
            else:
                run_alembic(db.dsn, fixes, tmp_path / form)
        assert role_settings(db, by_sql) == [(db.name, ["statement_timeout=30s"])]
        assert role_settings(db, by_alembic) == role_settings(db, by_sql)


SERVER_SETTING = "deadlock_timeout"  # sighup; no check and no other test looks at it


def test_alter_system_runs_outside_the_migration_transaction(
    db: TestDatabase, tmp_path: Path
) -> None:
    """ALTER SYSTEM refuses a transaction block: the Alembic form must step out of it."""
    assert db.execute(
        "SELECT count(*) FROM pg_file_settings WHERE name = %s AND sourcefile LIKE "
        "'%%postgresql.auto.conf'",
        [SERVER_SETTING],
    ) == [(0,)], "the test server already sets it with ALTER SYSTEM"
    seen = {}
    try:
        for form, value in (("sql", "2s"), ("alembic", "3s")):
            fix = SetSetting(name=SERVER_SETTING, value=value)
            if form == "sql":
                run_sql(db.dsn, fix.to_sql())
            else:
                run_alembic(db.dsn, fix, tmp_path / form)
            seen[form] = db.execute(
                "SELECT setting FROM pg_file_settings WHERE name = %s AND applied",
                [SERVER_SETTING],
            )
        assert seen == {"sql": [("2s",)], "alembic": [("3s",)]}  # as the file has it
    finally:
        run_sql(db.dsn, ResetSetting(name=SERVER_SETTING).to_sql())
