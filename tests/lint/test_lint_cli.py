"""`pgsage lint` as a user runs it: formats, exit codes, selection, suppressions, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PGSAGE = str(Path(sys.executable).parent / "pgsage")

MIGRATION = """\
SET lock_timeout = '2s';
CREATE INDEX ix_orders_user ON orders (user_id);
-- pgsage: ignore[ban-drop-column] the column is unused since release 41
ALTER TABLE orders DROP COLUMN legacy;
ALTER TABLE orders ADD COLUMN note text; -- pgsage: ignore[renaming-column] stale
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGSAGE, "lint", *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )


@pytest.fixture
def migration(tmp_path: Path) -> Path:
    path = tmp_path / "0001_orders.sql"
    path.write_text(MIGRATION)
    return path


def test_json_output_shape_and_exit_code(migration: Path) -> None:
    result = run(str(migration), "--format", "json")
    assert result.returncode == 1, result.stderr
    violations = json.loads(result.stdout)["violations"]
    assert [(v["line"], v["rule"]) for v in violations] == [
        (2, "require-concurrent-index-creation"),
        (5, "unused-suppression"),
    ]
    first = violations[0]
    assert set(first) >= {"file", "line", "column", "rule", "aliases", "severity", "message"}
    assert first["file"] == str(migration) and first["column"] == 1
    assert first["aliases"] == ["require-concurrent-index-creation"]
    assert "SHARE lock" in first["message"]


def test_human_output_names_the_place_rule_and_fix(migration: Path) -> None:
    result = run(str(migration))
    assert result.returncode == 1
    assert f"{migration}:2:1: require-concurrent-index-creation [warning]" in result.stdout
    assert "fix: CREATE INDEX CONCURRENTLY" in result.stdout
    assert "2 violations in 1 file" in result.stdout


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "ok.sql"
    path.write_text("SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY ix ON t (c);\n")
    result = run(str(path))
    assert result.returncode == 0, result.stdout
    assert "0 violations" in result.stdout


def test_select_ignore_and_groups(migration: Path) -> None:
    only_style = run(str(migration), "-f", "json", "--select", "locking")
    rules = {v["rule"] for v in json.loads(only_style.stdout)["violations"]}
    assert rules == {"require-concurrent-index-creation"}
    ignored = run(
        str(migration),
        "-f",
        "json",
        "--ignore",
        "require-concurrent-index-creation",
        "--ignore",
        "unused-suppression",
    )
    assert ignored.returncode == 0 and json.loads(ignored.stdout)["violations"] == []
    everything = run(str(migration), "-f", "json", "--select", "ALL")
    assert "prefer-robust-stmts" in {v["rule"] for v in json.loads(everything.stdout)["violations"]}


def test_sarif_and_github_formats(migration: Path) -> None:
    sarif = json.loads(run(str(migration), "-f", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert results[0]["ruleId"] == "require-concurrent-index-creation"
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    rule_ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert rule_ids == sorted(rule_ids) and "prefer-identity" in rule_ids
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == migration.as_uri()  # absolute paths as file:// URIs, relative ones as given
    relative = json.loads(run(migration.name, "-f", "sarif", cwd=migration.parent).stdout)
    assert (
        relative["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
            "uri"
        ]
        == migration.name
    )
    github = run(str(migration), "-f", "github").stdout.splitlines()
    assert github[0].startswith(
        f"::warning file={migration},line=2,col=1,title=pgsage require-concurrent-index-creation::"
    )
    # the fix keeps its lines (%0A), so a `-- comment` line does not swallow the SQL after it
    assert "%0A%0Afix:%0ACREATE INDEX CONCURRENTLY" in github[0]


def test_bad_input_is_one_line_exit_two(tmp_path: Path) -> None:
    for args, fragment in (
        ([str(tmp_path / "missing.sql")], "no such file"),
        ([str(tmp_path), "--select", "no-such-rule"], "unknown lint rule"),
        ([str(tmp_path)], "no .sql files or Alembic revisions found"),
    ):
        result = run(*args)
        assert result.returncode == 2, result
        assert result.stderr.startswith("pgsage: error: ") and fragment in result.stderr
        assert "Traceback" not in result.stderr


def test_assume_in_transaction_and_pg_version(tmp_path: Path) -> None:
    path = tmp_path / "m.sql"
    path.write_text(
        "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY ix ON t (c);\n"
        "ALTER TABLE t ADD COLUMN d boolean DEFAULT false;\n"
    )
    assert run(str(path)).returncode == 0
    assumed = run(str(path), "-f", "json", "--assume-in-transaction")
    assert {v["rule"] for v in json.loads(assumed.stdout)["violations"]} == {
        "ban-concurrent-index-creation-in-transaction"
    }
    old = run(str(path), "-f", "json", "--pg-version", "10")
    assert {v["rule"] for v in json.loads(old.stdout)["violations"]} == {
        "adding-field-with-default"
    }


def test_suppressions_pgsage_squawk_and_file_level(tmp_path: Path) -> None:
    from pgsage.lint.runner import lint

    path = tmp_path / "m.sql"
    path.write_text(
        "SET lock_timeout = '2s';\n"
        "-- squawk-ignore ban-drop-table\n"
        "DROP TABLE legacy;\n"
        "-- pgsage: ignore-file[ban-drop-column] moved to audit in 0041\n"
        "ALTER TABLE a DROP COLUMN x;\n"
        "ALTER TABLE b\n"
        "  DROP COLUMN y;  -- pgsage: ignore[renaming-column] stale\n"
        "DROP TABLE other;\n"
    )
    found = [(v.line, v.rule) for v in lint([path]).violations]
    assert found == [(7, "unused-suppression"), (8, "ban-drop-table")]


def test_project_config_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pgsage.lint]\npg-version = 10\nignore = ["require-lock-timeout"]\n'
        'extend-select = ["prefer-text-field"]\n'
    )
    (tmp_path / "m.sql").write_text("ALTER TABLE t ADD COLUMN c varchar(20) DEFAULT 'x';\n")
    result = run("m.sql", "-f", "json", cwd=tmp_path)
    assert {v["rule"] for v in json.loads(result.stdout)["violations"]} == {
        "adding-field-with-default",
        "prefer-text-field",
    }
    (tmp_path / "pyproject.toml").write_text("[tool.pgsage.lint]\nselct = []\n")
    bad = run("m.sql", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown [tool.pgsage.lint] key(s): selct" in bad.stderr


def test_types_declared_in_an_earlier_file_judge_a_later_change(tmp_path: Path) -> None:
    (tmp_path / "001_notes.sql").write_text(
        "CREATE TABLE notes (id bigint PRIMARY KEY, title varchar(10), body varchar(100));\n"
    )
    (tmp_path / "002_widen.sql").write_text(
        "SET lock_timeout = '2s';\n"
        "ALTER TABLE notes ALTER COLUMN title TYPE varchar(20);\n"  # binary-coercible
        "ALTER TABLE notes ALTER COLUMN body TYPE integer USING length(body);\n"
    )  # a rewrite
    result = run(
        str(tmp_path / "001_notes.sql"),
        str(tmp_path / "002_widen.sql"),
        "--select",
        "changing-column-type",
        "--format",
        "json",
    )
    lines = {(Path(v["file"]).name, v["line"]) for v in json.loads(result.stdout)["violations"]}
    assert lines == {("002_widen.sql", 3)}, result.stdout
    # Alone, the later file does not know the old type of either column.
    alone = run(
        str(tmp_path / "002_widen.sql"), "--select", "changing-column-type", "--format", "json"
    )
    assert len(json.loads(alone.stdout)["violations"]) == 2, alone.stdout


def test_fail_on_and_the_human_alias(migration: Path) -> None:
    assert run(str(migration), "--format", "human").returncode == 1  # the old name of text
    assert run(str(migration), "--fail-on", "warning").returncode == 1
    errors_only = run(str(migration), "--fail-on", "error")
    assert errors_only.returncode == 0, errors_only.stderr
    assert "2 violations in 1 file" in errors_only.stdout
    assert run(str(migration), "--fail-on", "never").returncode == 0


def test_unreadable_revision_is_exit_two_and_named(migration: Path) -> None:
    broken = migration.parent / "0002_broken.py"
    broken.write_text(
        'revision = "0002"\ndown_revision = None\nimport not_a_module\n\n\n'
        "def upgrade():\n    pass\n"
    )
    text = run(str(migration), str(broken))
    assert text.returncode == 2
    assert f"{broken}: error: cannot import the revision" in text.stdout
    assert str(broken) in text.stderr
    machine = run(str(migration), str(broken), "-f", "json")
    assert machine.returncode == 2
    assert f"pgsage: error: {broken}: cannot import the revision" in machine.stderr
    document = json.loads(machine.stdout)
    assert [e["file"] for e in document["errors"]] == [str(broken)]
    assert {"check": str(broken), "status": "error"}.items() <= next(
        r for r in document["results"] if r["status"] == "error"
    ).items()
