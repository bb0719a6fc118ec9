"""``vector tune`` on real pgvector indexes (PostgreSQL 18 only: Debian's 15 has no pgvector).

The data: 20,000 x 128 clustered unit vectors (numpy, fixed seed) — the issue suggests
50,000 x 384; that builds an HNSW index for minutes on the shared 2-core test machine, and the
properties tested (recall rises, exact = brute force, held-out target, filtered drop) do not
depend on the size. The bench (bench/vector_bench.py) runs 200,000 x 384.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg
import pytest
from numpy.typing import NDArray
from vector_data import brute_force, clustered, load

from pgharness import TestDatabase, TestServer
from pgsage.commands import audit as audit_commands
from pgsage.commands import vector as commands
from pgsage.db.connect import connect
from pgsage.model import Finding
from pgsage.settings import Settings
from pgsage.vector import measure
from pgsage.vector.catalog import ann_indexes, select_indexes
from pgsage.vector.model import IndexTune, SweepPoint, TuneResult
from pgsage.vector.queries import QueryVector, vector_text
from pgsage.vector.tune import TuneOptions

ROWS, DIMS = 20_000, 128
HELD_OUT_MARGIN = 0.05  # four to five standard errors of a recall over 800 neighbour look-ups
NOISE = 0.03  # recall over 30-40 queries moves by a query's 1/k between runs


@dataclass
class VectorDb:
    db: TestDatabase
    data: NDArray[np.float32]


@pytest.fixture(scope="module")
def vdb(servers: dict[str, TestServer | str]) -> Iterator[VectorDb]:
    server = servers["pg18"]
    if isinstance(server, str):
        pytest.skip(server)
    if "vector" not in server.available_extensions:
        pytest.skip("pg18 lacks pgvector")
    db = server.create_database("vec")
    try:
        db.execute("CREATE EXTENSION vector")
        data = clustered(ROWS, DIMS)
        load(db.dsn, "docs_h", data)
        load(db.dsn, "docs_i", data)
        db.execute(
            "SET maintenance_work_mem = '256MB'; "
            "CREATE INDEX docs_h_hnsw ON docs_h USING hnsw (embedding vector_cosine_ops) "
            "WITH (m = 8, ef_construction = 32); "
            "CREATE INDEX docs_i_ivf ON docs_i USING ivfflat (embedding vector_l2_ops) "
            "WITH (lists = 100)"
        )
        yield VectorDb(db, data)
    finally:
        server.drop_database(db.name)


def run(vdb: VectorDb, **kwargs: object) -> TuneResult:
    options = TuneOptions(**{"sample": 30, "time_budget_s": 120.0, **kwargs})  # type: ignore[arg-type]
    return commands.tune(Settings(dsn=vdb.db.dsn), options)


def one(result: TuneResult) -> IndexTune:
    assert len(result.indexes) == 1, result
    return result.indexes[0]


def rises(points: tuple[SweepPoint, ...]) -> None:
    recalls = [p.recall for p in points]
    assert len(recalls) >= 3, points
    for before, after in itertools.pairwise(recalls):
        assert after >= before - NOISE, recalls
    assert recalls[-1] > recalls[0], recalls


def test_hnsw_recall_rises_with_ef_search(vdb: VectorDb) -> None:
    tuned = one(run(vdb, index="docs_h_hnsw", target=0.99))
    assert tuned.method == "hnsw" and tuned.setting == "hnsw.ef_search"
    assert [p.value for p in tuned.sweep][:3] == [10, 20, 40]
    rises(tuned.sweep)
    assert tuned.queries == 30
    assert tuned.current is not None and tuned.current.value == 40


def test_ivfflat_recall_rises_with_probes(vdb: VectorDb) -> None:
    tuned = one(run(vdb, index="docs_i_ivf", target=0.99))
    assert tuned.setting == "ivfflat.probes"
    assert [p.value for p in tuned.sweep][:3] == [1, 2, 4]
    rises(tuned.sweep)
    assert tuned.rule_of_thumb is not None and tuned.rule_of_thumb.value == 10  # sqrt(100)
    assert tuned.recommendation is not None
    assert tuned.recommendation.recall >= 0.99
    assert "ivfflat.probes" in tuned.recommendation.sql
    assert 'event.listens_for(engine, "connect")' in tuned.recommendation.application


def test_exact_side_equals_numpy_brute_force(vdb: VectorDb) -> None:
    k = 10
    with connect(vdb.db.dsn) as conn:
        measure.load_pgvector(conn)
        index = select_indexes(ann_indexes(conn), None, None, "docs_h_hnsw")[0]
        target = measure.Target(index, "<=>", k)
        queries = measure.sample_queries(conn, target, 20, seed=3)
        truths, _ = measure.exact(conn, target, queries, time.perf_counter() + 60)
        ids = dict(conn.execute("SELECT concat(tableoid, ':', ctid), id FROM docs_h").fetchall())
    assert len(truths) == 20
    for query, truth in zip(queries, truths, strict=True):
        own = ids[query.row]
        expected = brute_force(vdb.data, vdb.data[own], k, exclude=own)
        assert [ids[n.row] for n in truth] == expected


def test_recommendation_reaches_target_on_held_out_queries(vdb: VectorDb) -> None:
    tuned = one(run(vdb, index="docs_h_hnsw", target=0.9, sample=80, seed=5))
    assert tuned.recommendation is not None
    # other rows of the table (another sample) as the queries: held out from the tune. Recall
    # on 80 queries x 10 neighbours is itself an estimate (standard error about 0.011 near
    # 0.9; the chosen setting is the first to pass on the tuning sample, so it sits near the
    # line): the held-out figure must reach the target within HELD_OUT_MARGIN.
    again = one(run(vdb, index="docs_h_hnsw", target=0.9, sample=80, seed=99))
    point = next(p for p in again.sweep if p.value >= tuned.recommendation.value)
    assert point.recall >= 0.9 - HELD_OUT_MARGIN, again.sweep


def test_query_file_of_fresh_vectors(vdb: VectorDb, tmp_path: Path) -> None:
    """Vectors that are not rows (real query embeddings): harder than the table's own rows
    (docs/vector.md says so), and recall still rises with ef_search."""
    fresh = clustered(ROWS + 40, DIMS)[ROWS:]
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps(fresh.tolist()))
    tuned = one(run(vdb, index="docs_h_hnsw", target=0.9, queries_file=queries, sample=40))
    assert tuned.query_source == str(queries)
    assert tuned.queries == 40
    rises(tuned.sweep)


def test_filtered_recall_is_reported_lower(vdb: VectorDb) -> None:
    tuned = one(run(vdb, index="docs_h_hnsw", target=0.9, condition="category = 7"))
    filtered = tuned.filtered
    assert filtered is not None
    assert filtered.matching_fraction is not None and 0.005 < filtered.matching_fraction < 0.05
    assert filtered.recall_drop is not None and filtered.recall_drop > 0.3, filtered
    assert any("partial index" in a for a in filtered.advice)
    if filtered.iterative_sweep:  # pgvector 0.8+: iterative scans recover the neighbours
        assert tuned.recommendation is not None
        value = tuned.recommendation.value
        plain = next(p.recall for p in filtered.sweep if p.value == value)
        iterative = next(p.recall for p in filtered.iterative_sweep if p.value == value)
        assert iterative > plain + 0.3, filtered
        assert all(p.iterative == "relaxed_order" for p in filtered.iterative_sweep)


def test_unit_vectors_say_inner_product_is_equivalent(vdb: VectorDb) -> None:
    tuned = one(run(vdb, index="docs_h_hnsw", sample=10))
    assert any("inner product is equivalent" in n for n in tuned.notes), tuned.notes


def _writes(dsn: str) -> tuple[int, int, int, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        # the user tables' row counters and the relations: the database's own counters also
        # count the catalog rows an autoanalyze of another test's table writes meanwhile
        row = conn.execute(
            "SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0), "
            "coalesce(sum(n_tup_del), 0), (SELECT count(*) FROM pg_class) "
            "FROM pg_stat_user_tables"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def test_nothing_is_written(vdb: VectorDb, tmp_path: Path) -> None:
    before = _writes(vdb.db.dsn)
    chart = tmp_path / "recall.svg"
    recorded = tmp_path / "measured.json"
    completed = subprocess.run(
        [
            sys.executable, "-m", "pgsage.cli.main", "vector", "tune", "--dsn", vdb.db.dsn,
            "--table", "docs_i", "--column", "embedding", "--sample", "10", "--format",
            "json", "--chart", str(chart), "--record", str(recorded), "--filter",
            "category < 10",
        ],
        capture_output=True, text=True, env=os.environ.copy(), check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    time.sleep(0.5)  # the tune's session flushed its statistics when it ended
    assert _writes(vdb.db.dsn) == before
    data = json.loads(completed.stdout)
    (entry,) = data["indexes"]
    assert {"index", "table", "column", "method", "k", "queries", "sweep"} <= set(entry)
    assert set(entry["sweep"][0]) >= {"setting", "value", "recall", "p50_ms", "p95_ms"}
    assert entry["recommendation"] is None or {"setting", "value", "recall", "sql"} <= set(
        entry["recommendation"]
    )
    assert chart.read_text().startswith("<svg")
    assert json.loads(recorded.read_text())["indexes"][0]["index"] == "docs_i_ivf"


def test_unknown_index_is_one_line(vdb: VectorDb) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pgsage.cli.main", "vector", "tune", "--dsn", vdb.db.dsn,
         "--index", "nope"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert completed.stderr.strip() == "pgsage: error: no valid HNSW or IVFFlat index on nope"


def test_held_out_vector_text_roundtrip() -> None:
    assert QueryVector(vector_text([0.5, -1.0])).values() == [0.5, -1.0]


def _audit(vdb: VectorDb, check: str, record: Path, target: float) -> list[Finding]:
    params = {"measured_recall_file": str(record), "target_recall": target}
    report = audit_commands.audit(Settings(dsn=vdb.db.dsn, select=[check], checks={check: params}))
    assert all(r.status.value in ("ok", "findings") for r in report.results), report.results
    return list(report.findings)


def test_checks_judge_by_measured_recall(vdb: VectorDb, tmp_path: Path) -> None:
    record = tmp_path / "measured.json"
    result = run(vdb, sample=20, target=0.95)
    record.write_text(commands.record_text(result, record))
    ivf = next(ix for ix in result.indexes if ix.index == "docs_i_ivf")
    hnsw = next(ix for ix in result.indexes if ix.index == "docs_h_hnsw")
    at_one = next(p.recall for p in ivf.sweep if p.value == 1)
    # probes = 1 is far below sqrt(100): the rule of thumb reports it; measured recall at 1
    # above a low target silences it, below the target reports the measured setting
    assert _audit(vdb, "ivfflat-probes", record, at_one - 0.05) == []
    (finding,) = _audit(vdb, "ivfflat-probes", record, 0.95)
    assert "measured recall@10" in finding.message
    assert finding.evidence["recommended_probes"] == ivf.recommendation.value  # type: ignore[union-attr]
    at_40 = next(p.recall for p in hnsw.sweep if p.value == 40)
    assert _audit(vdb, "hnsw-params", record, at_40 - 0.05) == [] or all(
        "measured" not in f.message for f in _audit(vdb, "hnsw-params", record, at_40 - 0.05)
    )
    if at_40 < 1.0:
        found = _audit(vdb, "hnsw-params", record, min(1.0, at_40 + 0.001))
        assert any("below the target recall" in f.message for f in found), found


def test_bad_filter_is_one_line(vdb: VectorDb) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pgsage.cli.main", "vector", "tune", "--dsn", vdb.db.dsn,
         "--index", "docs_i_ivf", "--sample", "5", "--filter", "no_such_column = 1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert completed.stderr.startswith('pgsage: error: column "no_such_column" does not exist')
    assert len(completed.stderr.strip().splitlines()) == 1


def test_empty_table_is_a_note(vdb: VectorDb) -> None:
    vdb.db.execute(
        "CREATE TABLE IF NOT EXISTS empty_docs (id int, embedding vector(4)); "
        "CREATE INDEX IF NOT EXISTS empty_docs_hnsw ON empty_docs USING hnsw "
        "(embedding vector_l2_ops)"
    )
    result = run(vdb, table="empty_docs")
    assert result.indexes == ()
    assert result.notes == ("public.empty_docs_hnsw: no rows to sample",)


def test_text_and_svg_render(vdb: VectorDb) -> None:
    from pgsage.vector.render import render_svg, render_text

    result = run(vdb, index="docs_i_ivf", sample=10, condition="category < 5")
    text = render_text(result)
    assert "ivfflat.probes = 1 " in text and "recall@10" in text
    assert "with filter category < 5:" in text
    svg = render_svg(result)
    assert svg.count("<polyline") >= 2 and svg.rstrip().endswith("</svg>")


def test_no_setting_reaching_the_target_gives_a_rebuild(
    vdb: VectorDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep cut to probes = 1 (as a time budget would cut it) that does not reach the
    target: the rebuild (100 lists are many for 20,000 rows: 20) comes with its DDL."""
    from pgsage.vector import tune as tune_module

    monkeypatch.setattr(tune_module, "sweep_values", lambda *args: [1])
    monkeypatch.setattr(tune_module, "rule_of_thumb", lambda *args: 1)
    tuned = one(run(vdb, index="docs_i_ivf", sample=10, target=1.0))
    assert [p.value for p in tuned.sweep] == [1]
    if tuned.sweep[0].recall >= 1.0:
        pytest.skip("probes = 1 already finds every neighbour of these queries")
    assert tuned.recommendation is None
    assert tuned.rebuild is not None
    assert tuned.rebuild.storage == (("lists", 20),)
    assert "WITH (lists = 20)" in tuned.rebuild.fix.to_sql()


def test_query_operator_other_than_the_opclass(vdb: VectorDb) -> None:
    """Unit vectors: L2 (<->) ranks like the cosine index, and the note says to rewrite."""
    tuned = one(run(vdb, index="docs_h_hnsw", sample=5, operator="<->"))
    (note,) = [n for n in tuned.notes if n.startswith("queries ordering by <->")]
    assert "shares 100%" in note and "rewrite them with <=>" in note


def test_database_without_pgvector(pg18: TestServer) -> None:
    db = pg18.create_database("novec")
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "pgsage.cli.main", "vector", "tune", "--dsn", db.dsn],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        pg18.drop_database(db.name)
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "pgsage: error: pgvector (the vector extension) is not installed in this database"
    )
