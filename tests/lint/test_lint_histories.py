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
