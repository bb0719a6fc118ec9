"""``scripts/db_optimization.sql`` and its Alembic twin, from the script Report: one CheckResult
per phase (invalid indexes, drops, creations, tables, settings, by hand), in that order, each
finding's fix under a comment naming the finding it fixes."""

from __future__ import annotations

import hashlib
import re
from textwrap import dedent

from pgsage.model import Finding, Report

HEADER = """\
-- scripts/db_optimization.sql — written by `pgsage report`; every fix of the report, in the
-- order it is safe to run:
--   1. INVALID indexes, 2. drops of duplicate and redundant indexes, 3. index creations,
--   4. table maintenance, 5. settings, 6. what needs a decision or a maintenance window
--      (commented out: never run by surprise).
-- Run it in autocommit, with no transaction block around it (CREATE/DROP INDEX CONCURRENTLY
-- cannot run inside one):  psql -v ON_ERROR_STOP=1 "$DATABASE_URL" -f scripts/db_optimization.sql
-- Each lock-taking statement follows a lock_timeout: it gives up rather than queue behind a
-- long transaction (run the script again later). The script is idempotent: IF [NOT] EXISTS,
-- REINDEX and ALTER ... SET change nothing the second time."""

CREATE_INDEX = re.compile(
    r'CREATE (?:UNIQUE )?INDEX CONCURRENTLY IF NOT EXISTS ("(?:[^"]|"")+"|\w+) ON ("(?:[^"]|"")+"|\w+)\.'
)
INDENT = "    "


def _one_line(text: str, limit: int = 150) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _about(finding: Finding) -> str:
    return (
        f"-- fixes [{finding.check}] {_one_line(finding.subject() or finding.message, 80)}: "
        + _one_line(finding.message)
    )


def render_sql(script: Report) -> str:
    lines = [HEADER, ""]
    for number, phase in enumerate(script.results, 1):
        title = phase.reason or phase.check
        lines += [f"-- {'=' * 94}", f"-- {number}. {title}", f"-- {'=' * 94}", ""]
        if not phase.findings:
            lines += ["-- (nothing to do)", ""]
        for finding in phase.findings:
            lines += [_about(finding), (finding.fix_sql or "").rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def created_indexes(script: Report) -> list[tuple[str, str]]:
    """(schema, name) of every index the script creates, in its order."""
    found: list[tuple[str, str]] = []
    for phase in script.results:
        for finding in phase.findings:
            for match in CREATE_INDEX.finditer(finding.fix_sql or ""):
                pair = (_unquote(match.group(2)), _unquote(match.group(1)))
                if pair not in found and not _commented(finding.fix_sql or "", match.start()):
                    found.append(pair)
    return found


def _commented(sql: str, position: int) -> bool:
    line_start = sql.rfind("\n", 0, position) + 1
    return sql[line_start:position].lstrip().startswith("--")


def _revision_id(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _downgrade(created: list[tuple[str, str]]) -> list[str]:
    if not created:
        return [f"{INDENT}pass  # nothing this revision did is undone automatically"]
    lines = [f"{INDENT}with op.get_context().autocommit_block():"]
    lines += [
        f"{INDENT * 2}op.drop_index({name!r}, schema={schema!r}, "
        "postgresql_concurrently=True, if_exists=True)"
        for schema, name in reversed(created)
    ]
    return lines


def _revision(
    rev: str, down: str | None, title: str, body: str, created: list[tuple[str, str]]
) -> str:
    names = "".join(f"\n    {schema}.{name}" for schema, name in created)
    docstring = f'"""pgsage: {title}'
    if names:
        docstring += f"\n\nIndexes created (add them to PERF_INDEXES in env.py):{names}"
    docstring += '\n"""'
    return "\n".join(
        [
            docstring,
            "",
            "import sqlalchemy as sa",
            "from alembic import op",
            "",
            f"revision = {rev!r}",
            f"down_revision = {down!r}",
            "branch_labels = None",
            "depends_on = None",
            "",
            "",
            "def upgrade() -> None:",
            body,
            "",
            "",
            "def downgrade() -> None:",
            *_downgrade(created),
            "",
        ]
    )


def _body(phase_findings: tuple[Finding, ...]) -> str:
    parts = []
    for finding in phase_findings:
        alembic = dedent(finding.fix_alembic or "").rstrip()
        parts.append(f"{INDENT}# fixes [{finding.check}] {_one_line(finding.message, 100)}")
        parts += [f"{INDENT}{line}" if line else "" for line in alembic.splitlines()]
    body = "\n".join(parts)
    if all(not line.strip() or line.strip().startswith("#") for line in body.splitlines()):
        body += f"\n{INDENT}pass"
    return body


PERF_INDEXES_MODULE = '''\
"""pgsage: the performance indexes created outside the models (seed 003, option B).

In alembic/env.py:

    from perf_indexes import PERF_INDEXES, include_object
    context.configure(..., include_object=include_object)

so that `alembic revision --autogenerate` neither drops nor re-adds them.
"""

PERF_INDEXES = {{
{names}}}


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN201
    if type_ == "index" and name in PERF_INDEXES:
        return False
    return True
'''


def render_alembic(script: Report, heads: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """One revision per phase that has something to run, chained after the project's head (when
    it has exactly one), and ``perf_indexes.py`` for env.py's include_object."""
    files: list[tuple[str, str]] = []
    down = heads[0] if len(heads) == 1 else None
    for number, phase in enumerate(script.results, 1):
        if not phase.findings:
            continue
        body = _body(phase.findings)
        created = created_indexes(Report(None, (phase,)))
        rev = _revision_id(down or "", body)
        slug = re.sub(r"[^a-z0-9]+", "_", phase.check.lower()).strip("_")
        text = _revision(rev, down, phase.reason or phase.check, body, created)
        files.append((f"pgsage_{number}_{slug}_{rev}.py", text))
        down = rev
    names = "".join(f"    {name!r},\n" for _schema, name in created_indexes(script))
    files.append(("perf_indexes.py", PERF_INDEXES_MODULE.format(names=names)))
    return files
