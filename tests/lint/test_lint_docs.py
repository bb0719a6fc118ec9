"""docs/lint.md is generated from the rules' metadata and must not be stale."""

from __future__ import annotations

from pathlib import Path

from pgsage.lint.docs import render
from pgsage.lint.rule import all_rules

PAGE = Path(__file__).resolve().parents[2] / "docs" / "lint.md"


def test_rule_reference_is_current() -> None:
    assert PAGE.read_text() == render(), "run: python -m pgsage.lint.docs > docs/lint.md"


def test_every_rule_documents_its_message_fix_and_alembic_form() -> None:
    for rule in all_rules():
        assert rule.summary and rule.why and rule.fix_sql and rule.fix_alembic, rule.id


def test_pre_commit_hook_runs_pgsage_lint_on_migrations() -> None:
    import re

    hooks = (PAGE.parents[1] / ".pre-commit-hooks.yaml").read_text()
    assert "- id: pgsage-lint" in hooks and "entry: pgsage lint" in hooks
    files = re.search(r"^\s*files: (.+)$", hooks, re.MULTILINE)
    assert files is not None
    pattern = re.compile(files.group(1))
    assert pattern.search("migrations/0001_init.sql")
    assert pattern.search("alembic/versions/3f2a1c_add_orders.py")
    assert not pattern.search("app/models.py")
