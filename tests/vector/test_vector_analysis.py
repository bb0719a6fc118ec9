"""The pure side of vector tune: recall@k with ties, percentiles, the sweep's values, the
cheapest setting, the rebuild and its DDL, query files."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from pgsage.errors import UsageError
from pgsage.vector.analysis import (
    IndexShape,
    Neighbour,
    cheapest,
    percentile,
    rebuild_for,
    recall_at_k,
    recommend,
    sweep_values,
)
from pgsage.vector.model import SweepPoint
from pgsage.vector.queries import read_query_file


def n(row: str, distance: float) -> Neighbour:
    return Neighbour(row, distance)


def test_recall_counts_ties_as_hits() -> None:
    truth = [n("a", 0.1), n("b", 0.2), n("c", 0.3)]
    assert recall_at_k([n("a", 0.1), n("b", 0.2), n("c", 0.3)], truth, 3) == 1.0
    assert recall_at_k([n("a", 0.1), n("x", 0.3), n("y", 0.9)], truth, 3) == pytest.approx(2 / 3)
    assert recall_at_k([n("a", 0.1)], truth, 3) == pytest.approx(1 / 3)
    assert recall_at_k([], [], 3) == 1.0


def test_percentile() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert percentile([1.0, 2.0], 0.95) == pytest.approx(1.95)
    assert percentile([], 0.5) == 0.0


def test_sweep_values() -> None:
    assert sweep_values("hnsw", 0, (40, 10)) == [10, 20, 40, 80, 160, 320, 640, 1000]
    assert sweep_values("ivfflat", 100, (10,)) == [1, 2, 4, 8, 10, 16, 32, 64, 100]


def point(value: int, recall: float) -> SweepPoint:
    return SweepPoint("hnsw.ef_search", value, recall, 1.0, 2.0)


def test_cheapest_and_recommendation_sql() -> None:
    sweep = [point(10, 0.8), point(20, 0.96), point(40, 0.99)]
    best = cheapest(sweep, 0.95)
    assert best is not None and best.value == 20
    assert cheapest(sweep, 0.999) is None
    rec = recommend(best, "app", "shop")
    assert rec.sql == 'ALTER ROLE "app" IN DATABASE "shop" SET hnsw.ef_search = 20;'
    assert rec.set_local == "SET LOCAL hnsw.ef_search = 20;"
    assert 'cursor.execute("SET hnsw.ef_search = 20")' in rec.application


SHAPE = IndexShape(
    schema="public",
    table="docs",
    name="docs_embedding_idx",
    column="embedding",
    method="hnsw",
    opclass="vector_cosine_ops",
    rows=1_000_000,
    dims=384,
    size_bytes=2_000_000_000,
    options=(),
)


def test_hnsw_rebuild_is_a_denser_graph() -> None:
    rebuild = rebuild_for(SHAPE, point(1000, 0.9), 0.99)
    assert rebuild.storage == (("m", 32), ("ef_construction", 128))
    sql = rebuild.fix.to_sql()
    assert (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS docs_embedding_idx_m32_ef_construction128 ON "
        "public.docs USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128)"
    ) in sql.replace('"', "")
    assert "DROP INDEX CONCURRENTLY" in sql and "RENAME TO" in sql
    assert rebuild.estimated_size_bytes > SHAPE.size_bytes
    assert rebuild.estimated_build_s > 0


def test_ivfflat_with_too_many_lists_is_rebuilt_with_fewer() -> None:
    shape = IndexShape(**{**SHAPE.__dict__, "method": "ivfflat", "options": (("lists", 5000),)})
    rebuild = rebuild_for(shape, None, 0.95)
    assert rebuild.method == "ivfflat" and rebuild.storage == (("lists", 1000),)
    enough = IndexShape(**{**shape.__dict__, "options": (("lists", 1000),)})
    assert rebuild_for(enough, None, 0.95).method == "hnsw"


def test_query_files(tmp_path: Path) -> None:
    as_json = tmp_path / "q.json"
    as_json.write_text(json.dumps([[1, 0, 0], [0, 1, 0]]))
    assert [q.values() for q in read_query_file(as_json, 3)] == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".ljust(118) + "\n"
    as_npy = tmp_path / "q.npy"
    as_npy.write_bytes(
        b"\x93NUMPY\x01\x00"
        + struct.pack("<H", len(header))
        + header.encode()
        + struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    )
    assert [q.values() for q in read_query_file(as_npy, 3)] == [[1, 2, 3], [4, 5, 6]]
    with pytest.raises(UsageError, match="dimensions"):
        read_query_file(as_json, 4)
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    with pytest.raises(UsageError, match="list of vectors"):
        read_query_file(bad, 3)
