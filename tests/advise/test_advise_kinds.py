"""Each candidate kind is generated, costed and recommended on a real server. GIN kinds need a
real index on PG 15 too (HypoPG simulates btree only), so those cases allow real indexes."""

from __future__ import annotations

from pathlib import Path

import pytest
from advise_support import hypopg, load, on, run

from pgharness import TestDatabase
from pgsage.advise.model import Advice, Recommendation
from pgsage.commands.advise import AdviseOptions, advise

KINDS: list[tuple[str, list[str], bool]] = [
    # (kind, statements, needs real indexes on a HypoPG server)
    (
        "partial",
        ["SELECT id, email FROM users WHERE status = 'pending' ORDER BY created_at DESC LIMIT 20"],
        False,
    ),
    # a range of tenants (4,000 rows): an index-only scan saves thousands of heap reads, which
    # pays for the INCLUDE column's bytes (twenty rows of one tenant would not: search.py)
    ("covering", ["SELECT email FROM users WHERE tenant_id BETWEEN 17 AND 216"], False),
    ("expression", ["SELECT id FROM users WHERE lower(email) = 'user42@example.com'"], False),
    ("gin", ['SELECT id FROM users WHERE profile @> \'{"plan": "pro"}\''], True),
    ("gin", ["SELECT id FROM users WHERE tags @> ARRAY['vip']"], True),
    ("trigram", ["SELECT id FROM users WHERE name ILIKE '%abc1%'"], True),
]


def _kind(advice: Advice, kind: str) -> list[Recommendation]:
    return [r for r in advice.recommendations if r.candidate.kind == kind]


def test_candidate_kinds(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    failures = []
    for kind, statements, real in KINDS:
        advice = run(db, tmp_path, statements, real=True if real else None)
        found = _kind(advice, kind)
        if not found or not found[0].queries:
            got = [(r.candidate.kind, r.candidate.columns) for r in advice.recommendations]
            uncosted = [(c.columns, why) for c, why in advice.uncosted]
            failures.append(f"{kind} for {statements[0]!r}: got {got} uncosted {uncosted}")
    assert not failures, "\n".join(failures)


def test_partial_and_expression_ddl(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    advice = run(
        db,
        tmp_path,
        [
            "SELECT id, email FROM users WHERE status = 'pending' ORDER BY created_at DESC LIMIT 20",
            "SELECT id FROM users WHERE lower(email) = 'user42@example.com'",
        ],
    )
    ddl = {r.candidate.kind: r for r in on(advice, "public.users")}
    assert ddl["partial"].candidate.where == "status = 'pending'"
    assert ddl["expression"].candidate.columns == ("(lower(email))",)
    plan_after = ddl["expression"].queries[0].plan_after
    assert any("Index" in node and ddl["expression"].name in node for node in plan_after)


def test_gin_without_sampling_or_real_indexes_is_reported_not_costed(
    db: TestDatabase, tmp_path: Path
) -> None:
    if not hypopg(db):
        pytest.skip("only a HypoPG server has candidates it cannot simulate")
    load(db)
    path = tmp_path / "workload.sql"
    path.write_text('SELECT id FROM users WHERE profile @> \'{"plan": "pro"}\';\n')
    advice = advise(db.dsn, AdviseOptions(queries_file=path, sample_rows=0))
    assert advice.recommendations == ()
    assert [(c.kind, "--allow-real-indexes" in why) for c, why in advice.uncosted] == [
        ("gin", True)
    ]


@pytest.mark.extensions("vector")
def test_hnsw_for_nearest_neighbours(db: TestDatabase, tmp_path: Path) -> None:
    db.execute("CREATE EXTENSION vector")
    db.execute(
        "CREATE TABLE chunks (id int PRIMARY KEY, owner int NOT NULL, embedding vector(8) NOT NULL)"
    )
    db.execute(
        "INSERT INTO chunks SELECT g, g % 50, ARRAY(SELECT sin(g * k) FROM "
        "generate_series(1, 8) k)::real[]::vector FROM generate_series(1, 20000) g"
    )
    db.execute("ANALYZE chunks")
    advice = run(
        db,
        tmp_path,
        [
            "SELECT id FROM chunks ORDER BY embedding <=> "
            "'[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]' LIMIT 5"
        ],
    )
    found = [r.candidate for r in advice.recommendations]
    assert [(c.method, c.opclass) for c in found] == [("hnsw", "vector_cosine_ops")]
    assert 'USING "hnsw"' in advice.recommendations[0].queries[0].plan_after[0] or any(
        "hnsw" in node for node in advice.recommendations[0].queries[0].plan_after
    )
