"""The code's documents: the Alembic migrations (graph, lint, squash proposal) and the N+1
queries an instrumentation capture recorded, with their eager-loading fixes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pgsage.model import Finding, Report
from pgsage.reports.artifacts import document as d
from pgsage.reports.artifacts.inputs import ALEMBIC, CAPTURE, SQUASH, ArtifactInputs

SQUASH_AT = 50  # seed 002: "50+ migrations → consolidation"
NPLUSONE = "n-plus-one"
SLOW_ORM = "slow-orm-query"


def _stages(doc: d.Document, report: Report) -> None:
    doc.section("Checks of the migration history")
    doc.add("| stage | status | findings | reason |", "| --- | --- | ---: | --- |")
    for result in report.results:
        doc.add(
            f"| {result.check} | {result.status.value} | {len(result.findings)} "
            f"| {d.cell(result.reason or '')} |"
        )
    doc.add("")


def _lint_table(doc: d.Document, lint: Report) -> None:
    found = lint.findings
    doc.section("Lint findings by rule")
    if not found:
        doc.add("No lint rule fired.", "")
        return
    doc.add("| rule | severity | findings | revisions |", "| --- | --- | ---: | --- |")
    for rule in sorted({f.check for f in found}):
        group = [f for f in found if f.check == rule]
        files = sorted({f.location.file.rsplit("/", 1)[-1] for f in group if f.location})
        doc.add(
            f"| `{rule}` | {group[0].severity.value} | {len(group)} | {d.cell(', '.join(files))} |"
        )
    doc.add("")


def _squash_section(doc: d.Document, inputs: ArtifactInputs, revisions: int) -> None:
    doc.section("Squash proposal")
    advice = (
        f"{revisions} revisions: at {SQUASH_AT} or more, consolidate them into one verified "
        "baseline (seed 002: 50+ migrations → consolidation)."
        if revisions >= SQUASH_AT
        else f"{revisions} revisions: below {SQUASH_AT}, squashing is not needed yet; the "
        "dry-run below shows it would work when it is."
    )
    doc.add(advice, "")
    squash = inputs.squash
    if squash is None:
        doc.add(f"The squash dry-run did not run: {inputs.missing.get(SQUASH, 'not asked')}.", "")
        return
    verified = all(r.status.ran and not r.findings for r in squash.results)
    doc.add(
        "| revisions squashed | baseline statements | verified on a scratch database |",
        "| ---: | ---: | --- |",
        f"| {squash.stats.get('revisions', 0)} | {squash.stats.get('statements', 0)} "
        f"| {'yes: the baseline builds the same schema as the history' if verified else 'no: see below'} |",
        "",
    )
    if squash.notes:
        doc.add("```text", *squash.notes, "```", "")


def migration_optimization(inputs: ArtifactInputs) -> str:
    doc = d.Document("Migration optimization")
    migrations, lint = inputs.migrations, inputs.lint
    revisions = migrations.stats.get("revisions", 0) if migrations is not None else 0
    found = (migrations.findings if migrations else []) + (lint.findings if lint else [])
    if migrations is not None:
        heads = ", ".join(f"`{h}`" for h in inputs.alembic_heads) or "none"
        doc.add(f"{revisions} revision(s); head(s): {heads}.", "")
    d.summary(
        doc,
        found,
        "The revision graph, upgrade, drift and round-trip checks passed and no lint rule fired.",
    )
    if migrations is not None:
        _stages(doc, migrations)
    if lint is not None:
        _lint_table(doc, lint)
    if migrations is not None:
        _squash_section(doc, inputs, revisions)
    d.evidence_tables(doc, found)
    d.fixes(doc, found, code_only=True)
    d.verify(
        doc,
        [
            "`alembic heads` prints exactly one head; `alembic current` on each database prints it.",
            "`pgsage migrations check` passes: the graph is sound, upgrade works on an empty "
            "database, autogenerate is a no-op (drift) and every downgrade round-trips.",
            "`pgsage lint alembic/versions` reports no error.",
        ],
    )
    items = [d.NotChecked(k, inputs.missing[k]) for k in (ALEMBIC, SQUASH) if k in inputs.missing]
    d.not_checked(doc, items + d.not_run(migrations) + d.not_run(lint))
    return doc.text()


def _nplusone_table(doc: d.Document, found: Sequence[Finding]) -> None:
    doc.add(
        "| # | problem | call site | queries per unit | units | total ms | fix |",
        "| ---: | --- | --- | ---: | ---: | ---: | --- |",
    )
    for number, f in enumerate(found, 1):
        e = f.evidence
        doc.add(
            f"| {number} | {d.cell(f.message)} | `{d.cell(e.get('call_site', ''))}` | {e.get('count')} "
            f"| {e.get('occurrences')} | {e.get('total_ms')} | `{e.get('loader_option') or 'see below'}` |"
        )
    doc.add("")


def _nplusone_detail(doc: d.Document, number: int, f: Finding) -> None:
    e = f.evidence
    subject = e.get("relationship") or e.get("statement")
    doc.add(f"### {number}. `{subject}` at `{e.get('call_site')}`", "")
    doc.add(f"- **Unit of work:** `{e.get('unit')}`")
    if e.get("parent_query"):
        doc.add(f"- **Parent query:** `{e.get('parent_query')}`")
    doc.add(
        f"- **Count:** {e.get('count')} queries per unit of work, {e.get('total_ms')} ms in total",
        f"- **Fix:** {f.recommendation}",
        "",
        "Statement repeated:",
        "",
        "```sql",
        str(e.get("sql", "")),
        "```",
        "",
        "Eager-loading fix:",
        "",
        "```python",
        str(e.get("fix_code", "")),
        "```",
        "",
    )


LOADERS = (
    "| loader | queries | use when |",
    "| --- | --- | --- |",
    "| `selectinload(Parent.children)` | 2 (parents, then `WHERE id IN (...)`) | one-to-many "
    "collections: no row explosion |",
    "| `joinedload(Child.parent)` | 1 (LEFT OUTER JOIN) | many-to-one and one-to-one |",
    "| `contains_eager(Child.parent)` | 1 (your own JOIN) | the query already joins and "
    "filters on the related table |",
)


def n1_queries_fixes(inputs: ArtifactInputs) -> str:
    doc = d.Document("N+1 queries and their fixes")
    report = inputs.nplusone
    found = [f for f in report.findings if f.check == NPLUSONE] if report else []
    found.sort(
        key=lambda f: (-d.number(f.evidence.get("total_ms")), str(f.evidence.get("call_site")))
    )
    d.summary(doc, found, "No N+1 pattern was captured.", ordered=True)
    if found:
        doc.section("Evidence")
        _nplusone_table(doc, found)
        doc.section("Fixes")
        doc.add(*LOADERS, "")
        for number, f in enumerate(found, 1):
            _nplusone_detail(doc, number, f)
    d.verify(
        doc,
        [
            "Run the test suite with pgsage's pytest plugin (installed with pgsage): an N+1 "
            "fails its test; `@pytest.mark.max_queries(N)` pins a view's query count.",
            "In the service, `pgsage.instrument(engine, nplusone='warn')` logs any N+1 that is left.",
        ],
    )
    d.not_checked(
        doc, [d.NotChecked(CAPTURE, inputs.missing[CAPTURE])] if CAPTURE in inputs.missing else []
    )
    return doc.text()


def documents() -> Sequence[tuple[str, Callable[[ArtifactInputs], str]]]:
    return (
        ("db/migration_optimization.md", migration_optimization),
        ("db/n1_queries_fixes.md", n1_queries_fixes),
    )
