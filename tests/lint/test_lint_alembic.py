"""Alembic revisions as lint input: offline rendering, revision ids, Python lines, --since,
suppression comments in revision files, and a revision that cannot render offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsage.errors import UsageError
from pgsage.lint.runner import lint

VERSIONS = Path(__file__).parent / "alembic_shop" / "versions"


def found(**kwargs: object) -> list[tuple[str, str | None, int, str]]:
    result = lint([VERSIONS], **kwargs)  # type: ignore[arg-type]
    assert not result.errors
    return [(Path(v.file).name, v.revision, v.line, v.rule) for v in result.violations]


def test_revisions_are_rendered_and_mapped_to_their_python_lines() -> None:
    assert found() == [
        ("0002_orders_state.py", "0002", 14, "adding-required-field"),
        ("0002_orders_state.py", "0002", 15, "concurrent-index-outside-autocommit-block"),
        ("0002_orders_state.py", "0002", 16, "data-migration-in-schema-revision"),
        # line 15's type change is suppressed by the comment above it (with a reason)
        ("0003_orders_total.py", "0003", 16, "adding-not-nullable-field"),
        ("0003_orders_total.py", "0003", 16, "unused-suppression"),
        ("0004_reads_the_database.py", "0004", 15, "revision-not-rendered"),
    ]


def test_new_table_and_env_py_lock_timeout_are_understood() -> None:
    # 0001 indexes the table it creates, and env.py sets lock_timeout for every revision.
    assert not [
        v
        for v in found(select=["ALL"])
        if v[1] == "0001" and v[3] in {"require-concurrent-index-creation", "require-lock-timeout"}
    ]


def test_since_lints_only_newer_revisions() -> None:
    assert {revision for _, revision, _, _ in found(since="0002")} == {"0003", "0004"}
    with pytest.raises(UsageError, match="ambiguous"):
        found(since="000")
    with pytest.raises(UsageError, match="not among"):
        found(since="ffff")


def test_single_revision_file_and_sql_side_by_side(tmp_path: Path) -> None:
    sql = tmp_path / "extra.sql"
    sql.write_text("SET lock_timeout = '1s';\nALTER TABLE orders RENAME TO purchases;\n")
    result = lint([VERSIONS / "0002_orders_state.py", sql])
    assert {(Path(v.file).name, v.rule) for v in result.violations} >= {
        ("extra.sql", "renaming-table"),
        ("0002_orders_state.py", "concurrent-index-outside-autocommit-block"),
    }


def test_a_revision_that_cannot_be_imported_is_an_error_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "0009_broken.py"
    broken.write_text(
        'revision = "0009"\ndown_revision = None\nimport not_a_module\n\n\n'
        "def upgrade() -> None:\n    pass\n"
    )
    result = lint([broken, VERSIONS / "0002_orders_state.py"])
    assert [e.message.split(":")[0] for e in result.errors] == ["cannot import the revision"]
    assert result.violations  # the other revision is still linted


def test_revision_violations_carry_the_alembic_form_of_the_fix(tmp_path: Path) -> None:
    result = lint([VERSIONS / "0002_orders_state.py"])
    fixes = {v.rule: v.fix for v in result.violations}
    assert fixes["concurrent-index-outside-autocommit-block"].startswith(
        "with op.get_context().autocommit_block():"
    )
    sql = tmp_path / "m.sql"
    sql.write_text("SET lock_timeout = '2s';\nCREATE INDEX ix ON t (c);\n")
    assert lint([sql]).violations[0].fix.startswith("CREATE INDEX CONCURRENTLY")


def test_downgrade_is_linted_on_request_as_its_own_unit() -> None:
    assert not [v for v in lint([VERSIONS]).violations if v.downgrade]
    result = lint([VERSIONS], downgrade=True)
    down = [
        (Path(v.file).name, v.revision, v.line, v.rule) for v in result.violations if v.downgrade
    ]
    assert down == [
        ("0001_create_orders.py", "0001", 24, "ban-drop-table"),
        ("0002_orders_state.py", "0002", 20, "require-concurrent-index-deletion"),
        ("0002_orders_state.py", "0002", 21, "ban-drop-column"),
        ("0003_orders_total.py", "0003", 20, "changing-column-type"),
        ("0004_reads_the_database.py", "0004", 21, "ban-drop-column"),
    ]
    # upgrade() verdicts are unchanged by it
    assert [v for v in result.violations if not v.downgrade] == list(lint([VERSIONS]).violations)


REVISION = """\
# pgsage: ignore-file[ban-drop-column] the column goes in both directions
revision = "r1"
down_revision = None
from alembic import op


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    op.execute("ALTER TABLE t ADD COLUMN c text")


def downgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    # pgsage: ignore[require-concurrent-index-deletion] t is tiny
    op.drop_index("ix_t_c", table_name="t")
    op.drop_column("t", "c")
"""


def test_suppressions_belong_to_their_function(tmp_path: Path) -> None:
    path = tmp_path / "r1.py"
    path.write_text(REVISION)
    # with --downgrade, both comments are used by downgrade(): nothing stale, nothing reported
    assert [v.rule for v in lint([path], downgrade=True).violations] == []
    # without it, the comment inside downgrade() is not judged (downgrade() is not linted);
    # a file-wide one is, as upgrade() does not use it
    assert [(v.line, v.rule) for v in lint([path]).violations] == [(1, "unused-suppression")]
    path.write_text(REVISION.replace('    op.drop_column("t", "c")\n', ""))
    stale = lint([path], downgrade=True).violations
    assert [(v.line, v.rule, v.message) for v in stale] == [
        (1, "unused-suppression", "suppression ignore[ban-drop-column] suppresses nothing here")
    ]


def test_downgrade_option_and_config(tmp_path: Path) -> None:
    import subprocess
    import sys

    pgsage = str(Path(sys.executable).parent / "pgsage")
    (tmp_path / "pyproject.toml").write_text("[tool.pgsage.lint]\ndowngrade = true\n")
    for args in ([], ["--config", str(tmp_path / "pyproject.toml")]):
        run = subprocess.run(
            [pgsage, "lint", str(VERSIONS / "0002_orders_state.py"), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=Path(__file__).parent,
        )
        assert ("(revision 0002, downgrade)" in run.stdout) is bool(args), run.stdout
