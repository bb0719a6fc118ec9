"""Lint on the shapes of real Alembic histories (issue 19, item 14): pypi/warehouse's
``warehouse/migrations/versions`` and pgsage's own squash baseline, reduced to what matters."""

from __future__ import annotations

from pathlib import Path

from pgsage.lint.runner import lint

HEADER = '''"""{doc}"""

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = None
branch_labels = None
depends_on = None

'''


def revision(tmp_path: Path, rev: str, body: str, doc: str = "a revision") -> Path:
    path = tmp_path / f"{rev}_revision.py"
    path.write_text(HEADER.format(doc=doc, rev=rev) + body)
    return path


def rules_of(path: Path, **kwargs: object) -> list[tuple[int, str]]:
    result = lint([path], **kwargs)  # type: ignore[arg-type]
    assert not result.errors
    return [(v.line, v.rule) for v in result.violations]


def test_commit_before_autocommit_block_is_rendered(tmp_path: Path) -> None:
    # warehouse 1b97443dea8a_create_missing_fk_indexes.py (and 8 more): the transaction is
    # closed by hand before the block; offline the bind had no commit(), so nothing was linted.
    path = revision(
        tmp_path,
        "w001",
        """def upgrade():
    op.get_bind().commit()
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_macaroons_user_id", "macaroons", ["user_id"], postgresql_concurrently=True
        )
    op.create_index("ix_journals_name", "journals", ["name"])


def downgrade():
    op.drop_index("ix_macaroons_user_id", table_name="macaroons")
""",
    )
    found = rules_of(path)
    assert "revision-not-rendered" not in {rule for _, rule in found}
    # the concurrent build is linted, inside the block (it still needs lock_timeout); the plain
    # build after the block is reported
    assert (14, "require-lock-timeout") in found
    assert (14, "concurrent-index-outside-autocommit-block") not in found
    assert (17, "require-concurrent-index-creation") in found


def test_lock_timeout_not_required_for_tables_created_in_the_migration(tmp_path: Path) -> None:
    # pgsage's own squash baseline: CREATE TABLE, then its indexes and foreign keys
    path = revision(
        tmp_path,
        "s001",
        """def upgrade():
    op.execute("CREATE TABLE author (id integer PRIMARY KEY)")
    op.execute("CREATE TABLE book (id integer PRIMARY KEY, author_id integer)")
    op.execute("CREATE INDEX ix_book_author ON book (author_id)")
    op.execute(
        "ALTER TABLE book ADD CONSTRAINT fk_book_author FOREIGN KEY (author_id) "
        "REFERENCES author (id)"
    )
    op.execute("ALTER TABLE legacy ADD COLUMN note text")


def downgrade():
    pass
""",
    )
    found = rules_of(path, select=["require-lock-timeout"])
    # only the statement on a table that existed before the migration needs lock_timeout
    assert found == [(19, "require-lock-timeout")]


def test_a_foreign_key_to_an_existing_table_still_needs_lock_timeout(tmp_path: Path) -> None:
    path = revision(
        tmp_path,
        "s002",
        """def upgrade():
    op.execute("CREATE TABLE book (id integer PRIMARY KEY, author_id integer)")
    op.execute(
        "ALTER TABLE book ADD CONSTRAINT fk_book_author FOREIGN KEY (author_id) "
        "REFERENCES author (id)"
    )


def downgrade():
    pass
""",
    )
    assert rules_of(path, select=["require-lock-timeout"]) == [(13, "require-lock-timeout")]


def test_an_enum_swap_drops_no_shared_type_or_function(tmp_path: Path) -> None:
    # warehouse 082def83d89f_add_unverifyreason_domaininvalid.py: alembic_postgresql_enum's
    # sync_enum_values renames the type away, creates it again, adds helper functions and
    # operators for the cast, and drops them and the old type at the end
    path = revision(
        tmp_path,
        "e001",
        """def upgrade():
    op.execute('ALTER TYPE "public"."reasons" RENAME TO "reasons_old"')
    op.execute('CREATE TYPE "public"."reasons" AS ENUM(\\'spam\\', \\'bounce\\')')
    op.execute(
        'CREATE FUNCTION "public".new_old_equals('
        'new_enum_val "public"."reasons", old_enum_val "public"."reasons_old") '
        "RETURNS boolean AS $$ SELECT new_enum_val::text = old_enum_val::text; $$ "
        "LANGUAGE SQL IMMUTABLE"
    )
    op.execute(
        'ALTER TABLE "public"."user_emails" ALTER COLUMN "reason" TYPE "public"."reasons" '
        'USING "reason"::text::"public"."reasons"'
    )
    op.execute(
        'DROP FUNCTION "public".new_old_equals('
        'new_enum_val "public"."reasons", old_enum_val "public"."reasons_old")'
    )
    op.execute('DROP TYPE "public"."reasons_old"')
    op.execute("DROP FUNCTION count_rows()")


def downgrade():
    pass
""",
    )
    found = rules_of(path, select=["ban-drop-type", "ban-drop-function"])
    # only count_rows(), created by an earlier revision, is a shared object
    assert found == [(29, "ban-drop-function")]


def test_what_an_expert_flags_in_a_revision(tmp_path: Path) -> None:
    # issue 19.17: full-stack-fastapi-template d98dd8ec85a3 (default=sa.text(...)) and
    # 9c0a54914c78 (VARCHAR → VARCHAR(255)); a long lock_timeout over ACCESS EXCLUSIVE steps;
    # exit() inside upgrade() (redash's 0001_warning.py exits at module level, outside one)
    path = revision(
        tmp_path,
        "x001",
        """def upgrade():
    op.execute("SET lock_timeout = '120s'")
    op.add_column(
        "user", sa.Column("new_id", sa.Uuid, default=sa.text("uuid_generate_v4()"))
    )
    op.add_column("item", sa.Column("flag", sa.Boolean, server_default=sa.false()))
    op.alter_column(
        "item", "title", existing_type=sa.VARCHAR(), type_=sa.String(length=255)
    )
    op.alter_column(
        "item", "code", existing_type=sa.VARCHAR(length=20), type_=sa.String(length=40)
    )
    if op.get_context().as_sql:
        exit(0)


def downgrade():
    pass
""",
    )
    found = rules_of(
        path,
        select=[
            "long-lock-timeout",
            "client-side-default",
            "narrowing-column-type",
            "exit-in-migration",
        ],
    )
    assert found == [
        (12, "long-lock-timeout"),
        (14, "client-side-default"),
        (17, "narrowing-column-type"),
        (24, "exit-in-migration"),
    ]
    messages = {v.rule: v.message for v in lint([path]).violations}
    assert "up to 120 s on 2 table(s) (user, item)" in messages["long-lock-timeout"]
    assert "'new_id': default=sa.text('uuid_generate_v4()')" in messages["client-side-default"]
    assert "longer than 255 characters" in messages["narrowing-column-type"]


def test_a_short_lock_timeout_or_weaker_locks_are_fine(tmp_path: Path) -> None:
    # warehouse 7cf64da2632a: lock_timeout 200 s, but only for CREATE INDEX CONCURRENTLY
    path = revision(
        tmp_path,
        "x002",
        """def upgrade():
    op.execute("SET lock_timeout = 200000")
    op.execute("CREATE INDEX CONCURRENTLY ix_journals_name ON journals (name)")
    op.execute("ALTER TABLE journals VALIDATE CONSTRAINT journals_name_check")
    op.execute("SET lock_timeout = '2s'")
    op.execute("ALTER TABLE journals ADD COLUMN note text")


def downgrade():
    pass
""",
    )
    assert rules_of(path, select=["long-lock-timeout"]) == []


def test_fixes_are_rendered_for_the_statement_at_hand(tmp_path: Path) -> None:
    # full-stack-fastapi-template 1a31ce608336 (a foreign key got a create_check_constraint
    # example) and 9c0a54914c78 (a varchar length got a BigInteger c_new column)
    path = revision(
        tmp_path,
        "f001",
        """def upgrade():
    op.execute("SET lock_timeout = '2s'")
    op.create_foreign_key(
        None, "item", "user", ["owner_id"], ["id"], ondelete="CASCADE"
    )
    op.alter_column("item", "title", existing_type=sa.VARCHAR(), type_=sa.String(255))
    op.drop_index("ix_item_title", table_name="item")


def downgrade():
    pass
""",
    )
    fixes = {v.rule: v.fix for v in lint([path]).violations}
    foreign_key = fixes["adding-foreign-key-constraint"]
    assert "ADD CONSTRAINT item_owner_id_fkey FOREIGN KEY (owner_id)" in foreign_key
    assert "NOT VALID" in foreign_key and "create_check_constraint" not in foreign_key
    assert 'VALIDATE CONSTRAINT "item_owner_id_fkey"' in foreign_key
    assert fixes["constraint-missing-not-valid"] == foreign_key
    column = fixes["changing-column-type"]
    assert 'ADD COLUMN "title_new" varchar(255)' in column and "BigInteger" not in column
    assert "'length(c) <= 255'" not in fixes["narrowing-column-type"]
    assert 'pg_catalog.length("title") <= 255' in fixes["narrowing-column-type"]
    assert (
        "op.drop_index('ix_item_title', postgresql_concurrently=True"
        in fixes["require-concurrent-index-deletion"]
    )
    # SQL files get the SQL form
    sql = tmp_path / "m.sql"
    sql.write_text("SET lock_timeout = '2s';\nALTER TABLE item ALTER COLUMN code TYPE bigint;\n")
    (violation,) = lint([sql], select=["changing-column-type"]).violations
    assert violation.fix.startswith('ALTER TABLE "item" ADD COLUMN "code_new" int8;')
