"""pgvector checks against real pgvector indexes, workloads and settings.

pgvector is only packaged for the PostgreSQL 18 test server (Debian has none for 15), and the
case-file runner runs every case on both servers, so the vector cases live here, behind the
``extensions("vector")`` marker, instead of in tests/cases/vector (which only holds a case
without the extension: the checks skip cleanly). Where a finding carries fix SQL, the fix is
applied for real and the finding must go away.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from casefiles import subject
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.model import Finding, Report, Severity
from pgsage.settings import Settings

pytestmark = pytest.mark.extensions("vector")


def audit(
    db: TestDatabase, select: list[str], checks: dict[str, dict[str, Any]] | None = None
) -> Report:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=select, checks=checks or {}))
    assert [
        (r.check, r.reason) for r in report.results if r.status.value not in ("ok", "findings")
    ] == []
    return report


def found(report: Report) -> set[tuple[str, str]]:
    return {(f.check, str(f.object)) for f in report.findings}


def only(report: Report) -> Finding:
    assert len(report.findings) == 1, report.findings
    return report.findings[0]


def run_script(db: TestDatabase, script: str) -> None:
    """Run fix SQL statement by statement, as psql would (CONCURRENTLY refuses the implicit
    transaction of a multi-statement query string)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for statement in "\n".join(lines).split(";\n"):
            if statement.strip():
                conn.execute(statement.encode())


def vectors(
    table: str, rows: int, dims: int = 3, start: int = 1, extra: dict[str, str] | None = None
) -> str:
    """INSERT ``rows`` random ``dims``-dimensional vectors (ids from ``start``); ``extra``
    fills more columns with SQL expressions of the id ``g``."""
    extra = extra or {}
    columns = [sql.Identifier(c) for c in ("id", *extra, "embedding")]
    values = [
        sql.SQL("g"),
        *(sql.SQL(expr) for expr in extra.values()),
        sql.SQL("ARRAY[{}]::vector").format(
            sql.SQL(", ").join(sql.SQL("random()") for _ in range(dims))
        ),
    ]
    query = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM generate_series({}, {}) g;").format(
        sql.Identifier(table),
        sql.SQL(", ").join(columns),
        sql.SQL(", ").join(values),
        sql.Literal(start),
        sql.Literal(start + rows - 1),
    )
    return query.as_string(None)


@pytest.fixture
def vdb(db: TestDatabase) -> TestDatabase:
    db.execute("CREATE EXTENSION vector")
    return db


@pytest.fixture
def role(vdb: TestDatabase) -> Iterator[str]:
    """A uniquely named login role, dropped afterwards (roles are cluster-wide)."""
    name = f"pgsage_vec_{uuid.uuid4().hex[:8]}"
    vdb.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        yield name
    finally:
        vdb.execute(f'DROP ROLE IF EXISTS "{name}"')


# -- vector-no-ann-index ------------------------------------------------------------------
def test_no_ann_index_on_a_big_table_with_the_workloads_operator(vdb: TestDatabase) -> None:
    vdb.execute(
        "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));"
        + vectors("items", 1_500)
        + "CREATE TABLE small (id int PRIMARY KEY, embedding vector(3));"
        + vectors("small", 50)
        + "CREATE TABLE indexed (id int PRIMARY KEY, embedding vector(3));"
        + vectors("indexed", 1_500)
        + "CREATE INDEX ON indexed USING hnsw (embedding vector_cosine_ops);"
        + "CREATE TABLE cast_indexed (id int PRIMARY KEY, embedding vector(3));"
        + vectors("cast_indexed", 1_500)
        + "CREATE INDEX ON cast_indexed USING hnsw ((embedding::halfvec(3)) halfvec_l2_ops);"
        + "ANALYZE;"
    )
    vdb.execute("SELECT id FROM items ORDER BY embedding <-> '[1,2,3]' LIMIT 5")
    params = {"vector-no-ann-index": {"min_rows": 1_000}}  # small tables build faster
    finding = only(audit(vdb, ["vector-no-ann-index"], params))
    assert str(finding.object) == "public.items.embedding on public.items"
    assert finding.evidence["operator"] == "<->"
    assert finding.evidence["opclass"] == "vector_l2_ops"
    assert finding.fix_sql and "USING hnsw" in finding.fix_sql
    run_script(vdb, finding.fix_sql)
    assert audit(vdb, ["vector-no-ann-index"], params).findings == []
    plan = vdb.execute("EXPLAIN SELECT id FROM items ORDER BY embedding <-> '[1,2,3]' LIMIT 5")
    assert "items_embedding_hnsw_idx" in " ".join(str(r[0]) for r in plan)


def test_no_ann_index_defaults_to_cosine_and_halfvec_above_2000_dimensions(
    vdb: TestDatabase,
) -> None:
    vdb.execute(
        "CREATE TABLE wide (id int PRIMARY KEY, embedding vector(2500));"
        + vectors("wide", 30, dims=2500)
        + "ANALYZE wide;"
    )
    params = {"vector-no-ann-index": {"min_rows": 10}}
    finding = only(audit(vdb, ["vector-no-ann-index"], params))
    assert finding.evidence["opclass"] == "halfvec_cosine_ops"
    assert finding.fix_sql and "::halfvec(2500)" in finding.fix_sql
    run_script(vdb, finding.fix_sql)
    assert audit(vdb, ["vector-no-ann-index"], params).findings == []


# -- ivfflat-lists ----------------------------------------------------------------------------
def test_ivfflat_lists_far_from_rows_over_1000(vdb: TestDatabase) -> None:
    statements = []
    for table, lists in (("too_many", None), ("fitting", 20), ("too_few", 5)):
        option = f" WITH (lists = {lists})" if lists else ""
        statements += [
            f"CREATE TABLE {table} (id int PRIMARY KEY, embedding vector(3));",
            vectors(table, 20_000),
            f"CREATE INDEX {table}_ivf ON {table} USING ivfflat (embedding vector_l2_ops){option};",
        ]
    vdb.execute("".join(statements) + "ANALYZE;")
    report = audit(vdb, ["ivfflat-lists"])
    assert found(report) == {
        ("ivfflat-lists", "public.too_many_ivf on public.too_many"),
        ("ivfflat-lists", "public.too_few_ivf on public.too_few"),
    }
    by_table = {subject(f).table: f for f in report.findings}
    assert by_table["too_many"].evidence["recommended_lists"] == 20
    assert by_table["too_many"].evidence["lists_explicit"] is False
    for finding in report.findings:
        assert finding.fix_sql
        run_script(vdb, finding.fix_sql)
    assert audit(vdb, ["ivfflat-lists"]).findings == []
    names = {
        r[0] for r in vdb.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%ivf%'")
    }
    assert names == {"too_many_ivf", "fitting_ivf", "too_few_ivf"}  # rebuilt under old names


# -- ivfflat-probes ---------------------------------------------------------------------------
def test_ivfflat_probes_default_far_below_sqrt_lists(vdb: TestDatabase) -> None:
    vdb.execute(
        "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));"
        + vectors("items", 2_000)
        + "CREATE INDEX items_ivf ON items USING ivfflat (embedding vector_l2_ops) "
        "WITH (lists = 100);"
    )
    finding = only(audit(vdb, ["ivfflat-probes"]))
    assert str(finding.object) == "public.items_ivf on public.items"
    assert finding.severity is Severity.WARNING
    assert finding.evidence["default_probes"] == 1
    assert finding.evidence["recommended_probes"] == 10
    assert finding.fix_sql
    run_script(vdb, finding.fix_sql)  # ALTER DATABASE ... SET ivfflat.probes = 10
    assert audit(vdb, ["ivfflat-probes"]).findings == []


def test_ivfflat_probes_per_role_override(vdb: TestDatabase, role: str) -> None:
    vdb.execute(
        "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));"
        + vectors("items", 2_000)
        + "CREATE INDEX items_ivf ON items USING ivfflat (embedding vector_l2_ops) "
        "WITH (lists = 100);"
    )
    vdb.execute(f'ALTER DATABASE "{vdb.name}" SET ivfflat.probes = 12')
    assert audit(vdb, ["ivfflat-probes"]).findings == []
    vdb.execute(f'ALTER ROLE "{role}" SET ivfflat.probes = 2')
    finding = only(audit(vdb, ["ivfflat-probes"]))
    assert finding.evidence["low_roles"] == [f"{role}=2"]
    assert finding.evidence["default_probes"] == 12
    assert finding.fix_sql
    run_script(vdb, finding.fix_sql)  # ALTER ROLE ... IN DATABASE ... SET overrides it here
    assert audit(vdb, ["ivfflat-probes"]).findings == []


def test_ivfflat_probes_only_informational_when_the_application_sets_it(vdb: TestDatabase) -> None:
    vdb.execute(
        "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));"
        + vectors("items", 2_000)
        + "CREATE INDEX items_ivf ON items USING ivfflat (embedding vector_l2_ops) "
        "WITH (lists = 100);"
    )
    with psycopg.connect(vdb.dsn, autocommit=True) as conn:
        conn.execute("SET ivfflat.probes = 10")
        conn.execute("SELECT id FROM items ORDER BY embedding <-> '[1,2,3]' LIMIT 5")
    finding = only(audit(vdb, ["ivfflat-probes"]))
    assert finding.severity is Severity.INFO
    assert finding.evidence["application_sets_probes"] is True


# -- ivfflat-built-small ----------------------------------------------------------------------
def test_ivfflat_built_small(vdb: TestDatabase) -> None:
    no_autovacuum = " WITH (autovacuum_enabled = false)"
    vdb.execute(
        # built over 50 rows, then loaded: the statistics still say 50
        f"CREATE TABLE loaded_after (id int PRIMARY KEY, embedding vector(3)){no_autovacuum};"
        + vectors("loaded_after", 50)
        + "CREATE INDEX loaded_after_ivf ON loaded_after USING ivfflat (embedding vector_l2_ops)"
        " WITH (lists = 20);"
        + vectors("loaded_after", 20_000, start=51)
        # built on an empty table
        + f"CREATE TABLE empty_build (id int PRIMARY KEY, embedding vector(3)){no_autovacuum};"
        + "CREATE INDEX empty_build_ivf ON empty_build USING ivfflat (embedding vector_l2_ops)"
        " WITH (lists = 15);"
        + vectors("empty_build", 15_000)
        # analyzed since, but lists = 2 was sized for ~2,000 rows and the table has 25,000
        + "CREATE TABLE sized_small (id int PRIMARY KEY, embedding vector(3));"
        + vectors("sized_small", 25_000)
        + "CREATE INDEX sized_small_ivf ON sized_small USING ivfflat (embedding vector_l2_ops)"
        " WITH (lists = 2);"
        + "ANALYZE sized_small;"
        # healthy: built after loading, lists fitting
        + "CREATE TABLE healthy (id int PRIMARY KEY, embedding vector(3));"
        + vectors("healthy", 25_000)
        + "CREATE INDEX healthy_ivf ON healthy USING ivfflat (embedding vector_l2_ops)"
        " WITH (lists = 25);" + "ANALYZE healthy;"
    )
    report = audit(vdb, ["ivfflat-built-small"])
    assert found(report) == {
        ("ivfflat-built-small", "public.loaded_after_ivf on public.loaded_after"),
        ("ivfflat-built-small", "public.empty_build_ivf on public.empty_build"),
        ("ivfflat-built-small", "public.sized_small_ivf on public.sized_small"),
    }
    by_table = {subject(f).table: f for f in report.findings}
    assert by_table["loaded_after"].evidence["signal"] == "statistics"
    assert by_table["loaded_after"].evidence["index_reltuples"] == 50
    assert by_table["loaded_after"].severity is Severity.WARNING
    assert by_table["empty_build"].evidence["signal"] == "statistics"
    assert "an empty table" in by_table["empty_build"].message
    assert by_table["sized_small"].evidence["signal"] == "lists"
    assert by_table["sized_small"].severity is Severity.INFO
    for table in ("loaded_after", "empty_build"):
        fix = by_table[table].fix_sql
        assert fix and "REINDEX INDEX CONCURRENTLY" in fix
        run_script(vdb, fix)  # retrains on today's rows, and records them in reltuples
    assert found(audit(vdb, ["ivfflat-built-small"])) == {
        ("ivfflat-built-small", "public.sized_small_ivf on public.sized_small")
    }


# -- hnsw-params ------------------------------------------------------------------------------
def test_hnsw_build_options_off_the_defaults(vdb: TestDatabase) -> None:
    vdb.execute(
        "CREATE TABLE docs (id int PRIMARY KEY, embedding vector(3));"
        + vectors("docs", 500)
        + "CREATE INDEX docs_sparse ON docs USING hnsw (embedding vector_l2_ops) "
        "WITH (m = 8, ef_construction = 32);"
        + "CREATE INDEX docs_default ON docs USING hnsw (embedding vector_cosine_ops);"
        + "CREATE INDEX docs_explicit_defaults ON docs USING hnsw "
        "(embedding vector_ip_ops) WITH (m = 16, ef_construction = 64);"
    )
    finding = only(audit(vdb, ["hnsw-params"]))
    assert str(finding.object) == "public.docs_sparse on public.docs"
    assert finding.severity is Severity.INFO
    assert "recall is lower" in finding.message
    params = {"hnsw-params": {"report_build_options": False}}
    assert audit(vdb, ["hnsw-params"], params).findings == []


def test_hnsw_ef_search_below_a_limit_seen_in_activity(vdb: TestDatabase) -> None:
    vdb.execute(
        "CREATE TABLE docs (id int PRIMARY KEY, embedding vector(3));"
        + vectors("docs", 500)
        + "CREATE INDEX docs_hnsw ON docs USING hnsw (embedding vector_l2_ops);"
    )
    with psycopg.connect(vdb.dsn, autocommit=True) as idle:
        # An application session that asked for 100 neighbours: pg_stat_activity keeps the
        # literal text of its last query while it sits idle.
        idle.execute("SELECT id FROM docs d ORDER BY d.embedding <-> '[1,2,3]' LIMIT 100")
        finding = only(audit(vdb, ["hnsw-params"]))
        assert str(finding.object) == "public.docs_hnsw on public.docs"
        assert finding.severity is Severity.WARNING
        assert finding.evidence["limit"] == 100
        assert finding.evidence["ef_search"] == 40
        assert finding.evidence["seen_in"] == "pg_stat_activity"
        assert finding.fix_sql and "hnsw.ef_search = 100" in finding.fix_sql
        idle.execute("SELECT id FROM docs d ORDER BY d.embedding <-> '[1,2,3]' LIMIT 10")
        assert audit(vdb, ["hnsw-params"]).findings == []
        vdb.execute(f'ALTER DATABASE "{vdb.name}" SET hnsw.iterative_scan = relaxed_order')
        idle.execute("SELECT id FROM docs d ORDER BY d.embedding <-> '[1,2,3]' LIMIT 100")
        assert audit(vdb, ["hnsw-params"]).findings == []


# -- vector-opclass-mismatch -------------------------------------------------------------------
def test_opclass_mismatch_cosine_index_and_l2_queries(vdb: TestDatabase) -> None:
    vdb.execute("CREATE TABLE notes (id int PRIMARY KEY, title text)")
    vdb.execute("INSERT INTO notes SELECT g, 'n' || g FROM generate_series(1, 100) g")
    vdb.execute(
        "CREATE TABLE chunks (id int PRIMARY KEY, note_id int, embedding vector(3));"
        + vectors("chunks", 2_000, extra={"note_id": "g % 100 + 1"})
        + "CREATE INDEX chunks_cosine ON chunks USING hnsw (embedding vector_cosine_ops);"
        + "CREATE TABLE faq (id int PRIMARY KEY, embedding vector(3));"
        + vectors("faq", 500)
        + "CREATE INDEX faq_ip ON faq USING hnsw (embedding vector_ip_ops);"
    )
    workload = [
        # L2 through a table alias and a join: the cosine index cannot serve it
        "SELECT n.title FROM notes n JOIN chunks AS c ON c.note_id = n.id "
        "ORDER BY c.embedding <-> '[1,2,3]' LIMIT 5",
        # inner product through an ORDER BY alias, inside a CTE: served by faq_ip
        "WITH hits AS (SELECT id, embedding <#> '[1,2,3]' AS score FROM faq ORDER BY score "
        "LIMIT 5) SELECT * FROM hits",
        # cosine on chunks, unqualified: served
        "SELECT id FROM chunks ORDER BY embedding <=> '[1,0,0]' LIMIT 3",
    ]
    for query in workload:
        vdb.execute(query)
    finding = only(audit(vdb, ["vector-opclass-mismatch"]))
    assert str(finding.object) == "public.chunks_cosine on public.chunks"
    assert finding.evidence["unserved_operators"] == ["<->"]
    assert finding.evidence["index_operator_used"] is True
    assert finding.fix_sql and "vector_l2_ops" in finding.fix_sql
    run_script(vdb, finding.fix_sql)
    assert audit(vdb, ["vector-opclass-mismatch"]).findings == []
    plan = vdb.execute("EXPLAIN SELECT id FROM chunks c ORDER BY c.embedding <-> '[1,2,3]' LIMIT 5")
    assert "chunks_embedding_hnsw_l2_idx" in " ".join(str(r[0]) for r in plan)


def test_vector_checks_quiet_on_a_healthy_rag_schema(vdb: TestDatabase) -> None:
    vdb.execute(
        "CREATE TABLE documents (id int PRIMARY KEY, body text, "
        "embedding vector(3) NOT NULL);"
        + vectors("documents", 3_000)
        + "CREATE INDEX documents_embedding_idx ON documents USING hnsw "
        "(embedding vector_cosine_ops);"
        + "CREATE TABLE passages (id int PRIMARY KEY, embedding vector(3));"
        + vectors("passages", 12_000)
        + "CREATE INDEX passages_ivf ON passages USING ivfflat "
        "(embedding vector_cosine_ops) WITH (lists = 12);" + "ANALYZE;"
    )
    vdb.execute(f'ALTER DATABASE "{vdb.name}" SET ivfflat.probes = 4')
    vdb.execute(
        "SELECT id, 1 - (embedding <=> '[1,2,3]') AS similarity FROM documents "
        "ORDER BY embedding <=> '[1,2,3]' LIMIT 10"
    )
    vdb.execute("SELECT id FROM passages ORDER BY embedding <=> '[1,2,3]' LIMIT 10")
    params = {"vector-no-ann-index": {"min_rows": 1_000}}  # so that documents counts as big
    assert audit(vdb, ["vector"], params).findings == []
