"""The migration plan as files: seed 000's Markdown table, a CSV (``table,kind,definition,
rationale``) and an Alembic revision that implements it, following seed 003's rules
(``autocommit_block()`` for CONCURRENTLY, the indexes named in ``PERF_INDEXES`` so that
env.py's ``include_object`` keeps autogenerate from dropping them)."""

from __future__ import annotations

import csv
import hashlib
import io

from pgsage.fixes.constraint import AddCheckConstraint, AddUniqueConstraint
from pgsage.plan.derive import MigrationPlan, PlanLine

CSV_COLUMNS = ("table", "kind", "definition", "rationale")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: MigrationPlan) -> str:
    lines = [
        "# Migration plan",
        "",
        f"From the models and {plan.statements} statement(s) found in the code.",
        "",
        "| Table | Index / constraint / partitioning | Rationale |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| `{_cell(line.table)}` | {line.kind}: `{_cell(line.definition)}` | {_cell(line.rationale)} |"
        for line in plan.lines
    ]
    if not plan.lines:
        lines.append("| - | nothing to add | the models already cover what the code asks |")
    if plan.unparsed:
        lines += [
            "",
            f"{len(plan.unparsed)} statement(s) name no table of the models and were not used: "
            + ", ".join(plan.unparsed[:10])
            + (" ..." if len(plan.unparsed) > 10 else ""),
        ]
    lines += ["", *(f"Note: {note}" for note in plan.notes)] if plan.notes else []
    return "\n".join(lines) + "\n"


def render_csv(plan: MigrationPlan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in plan.lines:
        writer.writerow((line.table, line.kind, line.definition, line.rationale))
    return out.getvalue()


def revision_id(plan: MigrationPlan) -> str:
    """Deterministic: the same plan gives the same revision id (files diff well in git)."""
    digest = hashlib.sha256(render_csv(plan).encode()).hexdigest()
    return digest[:12]


def render_alembic(plan: MigrationPlan, down_revision: str | None = None) -> str:
    """An Alembic revision with every line that has a fix; partitioning and retention, which
    rebuild a table or schedule a job, are listed as comments to carry out by hand."""
    with_fix = [line for line in plan.lines if line.fix is not None]
    by_hand = [line for line in plan.lines if line.fix is None]
    indexes = sorted(line.name for line in with_fix if line.kind == "index" and line.name)
    upgrade = [line.fix.to_alembic() for line in with_fix if line.fix is not None]
    downgrade = [_undo(line) for line in reversed(with_fix)]
    header = [
        '"""pgsage migration plan',
        "",
        f"Revision ID: {revision_id(plan)}",
        f"Revises: {down_revision or ''}",
        '"""',
        "",
        "import sqlalchemy as sa  # noqa: F401",
        "from alembic import op",
        "",
        f"revision = {revision_id(plan)!r}",
        f"down_revision = {down_revision!r}",
        "branch_labels = None",
        "depends_on = None",
        "",
        "# Performance indexes: keep them out of autogenerate (env.py include_object).",
        "PERF_INDEXES = {" + ", ".join(repr(n) for n in indexes) + "}"
        if indexes
        else "PERF_INDEXES: set[str] = set()",
        "",
    ]
    for line in by_hand:
        header.append(f"# By hand ({line.kind}) on {line.table}: {line.definition}")
    if by_hand:
        header.append("")
    body = [
        "",
        "def upgrade() -> None:",
        *(upgrade or ["    pass"]),
        "",
        "",
        "def downgrade() -> None:",
    ]
    body += [part for part in downgrade if part] or ["    pass"]
    return "\n".join(header + body) + "\n"


def _undo(line: PlanLine) -> str:
    fix = line.fix
    if line.kind == "index" and line.name:
        schema, table = line.table.split(".", 1)
        return (
            "    with op.get_context().autocommit_block():\n"
            f"        op.drop_index({line.name!r}, table_name={table!r}, schema={schema!r}, "
            "postgresql_concurrently=True, if_exists=True)"
        )
    if isinstance(fix, AddUniqueConstraint | AddCheckConstraint):
        kind = "unique" if isinstance(fix, AddUniqueConstraint) else "check"
        return f"    op.drop_constraint({fix.name!r}, {fix.table!r}, schema={fix.schema!r}, type_={kind!r})"
    return ""
