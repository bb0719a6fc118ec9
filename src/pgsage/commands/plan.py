"""``plan``: seed 000's migration plan and monitoring plan, from the models and the code's SQL,
before there is production data."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from pgsage.commands.audit import take_snapshot
from pgsage.errors import PgsageError
from pgsage.migrations.project import import_metadata, prepended_sys_path
from pgsage.monitoring import plan as monitoring_plan
from pgsage.plan.catalog import ModelCatalog
from pgsage.plan.derive import MigrationPlan, derive_plan
from pgsage.plan.render import render_alembic, render_csv, render_markdown, revision_id
from pgsage.plan.server import checked_against, costed_by_advisor, recorded_statements
from pgsage.plan.sources import SourceStatement, statements_in_file, statements_in_tree
from pgsage.settings import Settings


@dataclass(frozen=True)
class PlanOptions:
    models: str  # module:attribute (a MetaData or a declarative base)
    import_paths: tuple[Path, ...] = (Path(),)  # where the models' package is importable from
    sources: tuple[Path, ...] = ()  # Python files or folders whose SQL constants are read
    queries: tuple[Path, ...] = ()  # files of SQL statements (one workload each)
    settings: Settings | None = None  # with a DSN: checked against that database


@dataclass(frozen=True)
class PlanFiles:
    """Each artifact's file name and text."""

    files: tuple[tuple[str, str], ...]
    plan: MigrationPlan


def plan(options: PlanOptions) -> MigrationPlan:
    paths = [p.resolve() for p in options.import_paths]
    metadata = import_metadata(options.models, prepended_sys_path(paths))
    statements: list[SourceStatement] = []
    for source in options.sources:
        statements += statements_in_tree(source)
    for path in options.queries:
        statements += statements_in_file(path)
    if options.settings is None or not options.settings.dsn:
        return derive_plan(ModelCatalog.of(metadata), statements)
    snapshot = take_snapshot(options.settings)
    statements += recorded_statements(snapshot)
    checked = checked_against(derive_plan(ModelCatalog.of(metadata), statements), snapshot)
    return _costed(checked, statements, options.settings)


def _costed(
    migration: MigrationPlan, statements: list[SourceStatement], settings: Settings
) -> MigrationPlan:
    """The advisor's what-if costing of the same workload confirms or rejects each index line
    (read-only, HypoPG); when it cannot run, the plan says why."""
    from dataclasses import replace

    from pgsage.commands.advise import AdviseOptions, advise
    from pgsage.commands.audit import session_options

    with tempfile.TemporaryDirectory(prefix="pgsage-plan-") as folder:
        queries = Path(folder) / "plan.sql"
        queries.write_text("".join(f"{s.text.rstrip(';')};\n" for s in statements), "utf-8")
        try:
            advice = advise(
                str(settings.dsn), AdviseOptions(queries_file=queries), session_options(settings)
            )
        except PgsageError as exc:
            note = f"the advisor's costing did not run: {exc}"
            return replace(migration, notes=(*migration.notes, note))
    return costed_by_advisor(migration, advice)


def plan_files(migration: MigrationPlan) -> PlanFiles:
    """``migration_plan.md/.csv``, ``monitoring_plan.md/.csv`` and the Alembic revision."""
    return PlanFiles(
        files=(
            ("migration_plan.md", render_markdown(migration)),
            ("migration_plan.csv", render_csv(migration)),
            ("monitoring_plan.md", monitoring_plan.render_markdown()),
            ("monitoring_plan.csv", monitoring_plan.render_csv()),
            (f"{revision_id(migration)}_pgsage_migration_plan.py", render_alembic(migration)),
        ),
        plan=migration,
    )
