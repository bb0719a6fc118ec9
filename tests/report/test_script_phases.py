"""The script's phases from findings (no server): order, the unique INVALID index, by-hand fixes
commented out, an index proposed twice kept once; and the artifact set is deterministic."""

from __future__ import annotations

from pglast import split

from pgsage.commands.script import phases
from pgsage.fixes.index import CreateIndex, DropIndex, ReindexIndex
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.text import SqlText
from pgsage.model import CheckResult, Finding, ObjectRef, Report, Severity, Status
from pgsage.reports.artifacts import ArtifactInputs, render_artifacts
from pgsage.reports.artifacts.script import created_indexes, render_alembic, render_sql


def finding(check: str, name: str, fix: object, **evidence: str | bool) -> Finding:
    return Finding(
        check=check,
        category="indexes",
        severity=Severity.WARNING,
        object=ObjectRef("index", "public", name, "t"),
        message=f"{check} on {name}",
        evidence=dict(evidence),
        fix=fix,  # type: ignore[arg-type]
    )


FINDINGS = [
    finding("unused-index", "t_unused", DropIndex("public", "t_unused")),
    finding("random-page-cost", "random_page_cost", SetSetting(name="random_page_cost", value=1.1)),
    finding("fk-without-index", "t_a_fkey", CreateIndex("public", "t", ("a",), "t_a_idx")),
    finding("index-recommendation", "t", CreateIndex("public", "t", ("a",), "t_a_idx1")),
    finding("duplicate-index", "t_dup", DropIndex("public", "t_dup")),
    finding(
        "invalid-index",
        "t_uq",
        ReindexIndex("public", "t_uq"),
        definition="CREATE UNIQUE INDEX t_uq ON public.t USING btree (b)",
        is_unique=True,
    ),
    finding("invalid-index", "t_b", ReindexIndex("public", "t_b"), is_unique=False),
]


def test_phases_order_and_shape_the_fixes() -> None:
    script = phases(FINDINGS)
    by_phase = {r.check: [f.check for f in r.findings] for r in script.results}
    assert by_phase == {
        "invalid-indexes": ["invalid-index", "invalid-index"],
        "drop-duplicates": ["duplicate-index"],
        "create-indexes": ["fk-without-index"],  # the advisor's twin of it is left out
        "tables": [],
        "settings": ["random-page-cost"],
        "by-hand": ["unused-index"],
    }
    sql = render_sql(script)
    assert 'DROP INDEX CONCURRENTLY IF EXISTS "public"."t_uq"' in sql
    assert "-- CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_uq ON public.t" in sql
    assert 'REINDEX INDEX CONCURRENTLY "public"."t_b"' in sql
    assert '-- DROP INDEX CONCURRENTLY IF EXISTS "public"."t_unused"' in sql
    executable = [s for s in split(sql) if not s.upper().startswith("SET LOCK_TIMEOUT")]
    assert not any("t_unused" in s for s in executable)
    assert created_indexes(script) == [("public", "t_a_idx")]


def test_an_unknown_fix_goes_to_the_by_hand_phase() -> None:
    odd = finding("some-check", "x", SqlText("DROP TABLE x;"))
    script = phases([odd])
    [by_hand] = [r for r in script.results if r.findings]
    assert by_hand.check == "by-hand"
    assert render_sql(script).count("-- DROP TABLE x;") == 1


def test_alembic_revisions_chain_and_name_the_perf_indexes() -> None:
    files = dict(render_alembic(phases(FINDINGS), ("abc123",)))
    names = sorted(files)
    assert names[0] == "perf_indexes.py" and "'t_a_idx'," in files["perf_indexes.py"]
    names = names[1:]
    first = files[names[0]]
    assert names[0].startswith("pgsage_1_invalid_indexes_") and "down_revision = 'abc123'" in first
    for text in files.values():
        compile(text, "revision", "exec")


def test_the_artifact_set_is_deterministic() -> None:
    audit = Report(
        None,
        (
            CheckResult("duplicate-index", Status.FINDINGS, (FINDINGS[4],)),
            CheckResult("slow-query", Status.SKIPPED, reason="pg_stat_statements is not installed"),
        ),
    )
    shuffled = Report(None, tuple(reversed(audit.results)))
    one = render_artifacts(ArtifactInputs(script=phases(FINDINGS), audit=audit))
    two = render_artifacts(ArtifactInputs(script=phases(list(reversed(FINDINGS))), audit=shuffled))
    assert one == two
    docs = dict(one)
    assert (
        "- `slow-query` (skipped): pg_stat_statements is not installed"
        in docs["db/slow_queries_report.md"]
    )
    assert "no Alembic project" not in docs["db/migration_optimization.md"]  # not in missing
