"""Seed 002's artifact set, rendered from the Reports of one ``pgsage report`` run:
``db/*.md`` (performance audit, slow queries, index strategy, migrations, N+1 fixes,
monitoring, pgvector) and ``scripts/db_optimization.sql`` — or one HTML page with the same
content. Pure: reads the model only, returns (relative path, text) pairs in a stable order."""

from __future__ import annotations

from pgsage.reports.artifacts import code_docs, database_docs
from pgsage.reports.artifacts.inputs import ArtifactInputs
from pgsage.reports.artifacts.script import render_alembic, render_sql

__all__ = ["SCRIPT", "ArtifactInputs", "render_alembic", "render_artifacts", "render_html"]

SCRIPT = "scripts/db_optimization.sql"
ORDER = (
    "db/performance_audit.md",
    "db/slow_queries_report.md",
    "db/index_strategy.md",
    "db/migration_optimization.md",
    "db/n1_queries_fixes.md",
    "db/monitoring_setup.md",
    "db/vector_optimization.md",
)


def render_markdown(inputs: ArtifactInputs) -> list[tuple[str, str]]:
    renderers = dict(database_docs.documents()) | dict(code_docs.documents())
    files = [(path, renderers[path](inputs)) for path in ORDER]
    files.append((SCRIPT, render_sql(inputs.script)))
    return files


def render_html(inputs: ArtifactInputs) -> str:
    from pgsage.reports.artifacts.page import page

    return page(render_markdown(inputs))


def render_artifacts(inputs: ArtifactInputs, fmt: str = "markdown") -> list[tuple[str, str]]:
    """``markdown``: the seven documents and the script; ``html``: ``report.html`` (all of them
    on one page) and the script."""
    if fmt == "html":
        return [("report.html", render_html(inputs)), (SCRIPT, render_sql(inputs.script))]
    return render_markdown(inputs)
