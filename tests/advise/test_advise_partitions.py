"""An index on a partitioned parent that reuses the partitions' equivalent indexes (issue 19
item 1), on Pagila's payment table.

The schema follows pagila-schema.sql (github.com/devrimgunduz/pagila; the copy in
/work/shared/corpora/sampledb): ``public.payment`` partitioned by range of ``payment_date`` with
``PRIMARY KEY (payment_date, payment_id)``, partitions ``payment_p2022_01`` … ``_07``, and on
each of the first six two identical indexes on ``customer_id``
(``idx_fk_payment_p2022_0N_customer_id`` and ``payment_p2022_0N_customer_id_idx``), none on
``_07``. The rows are generated (the sample's 16,000 payments are too few for an index to
matter).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import psycopg
import sqlalchemy as sa
from advise_support import load, on, run
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from pgharness import TestDatabase
from pgsage.advise.alembic import write_revision
from pgsage.advise.apply import apply
from pgsage.advise.report import advice_report
from pgsage.commands import audit as audit_commands
from pgsage.fixes.index import DropIndex
from pgsage.settings import Settings

MONTHS = range(1, 8)
PARTITION = "payment_p2022_{:02d}"
WORKLOAD = ["SELECT count(*) FROM payment WHERE customer_id = 42"]


def pagila_payment() -> str:
    parts = []
    for month in MONTHS:
        name = PARTITION.format(month)
        upper = f"2022-{month + 1:02d}-01" if month < 12 else "2023-01-01"
        parts.append(
            f"CREATE TABLE {name} PARTITION OF payment "
            f"FOR VALUES FROM ('2022-{month:02d}-01') TO ('{upper}');"
        )
        if month <= 6:  # the dump's two identical indexes on each of the first six
            parts.append(
                f"CREATE INDEX idx_fk_{name}_customer_id ON {name} USING btree (customer_id);"
            )
            parts.append(
                f"CREATE INDEX {name}_customer_id_idx ON {name} USING btree (customer_id);"
            )
    return "\n".join(
        [
            "CREATE TABLE payment (payment_id integer NOT NULL, customer_id integer NOT NULL, "
            "staff_id integer NOT NULL, rental_id integer NOT NULL, amount numeric(5,2) NOT NULL, "
            "payment_date timestamp with time zone NOT NULL, "
            "PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);",
            *parts,
            "INSERT INTO payment SELECT g, g % 600, 1 + g % 2, g, (g % 1000) / 100.0, "
            "timestamptz '2022-01-01' + (g % 210) * interval '1 day' + (g % 86000) * interval '1 s'"
            " FROM generate_series(1, 210000) g;",
        ]
    )


def indexes_of(db: TestDatabase) -> set[str]:
    rows = db.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'payment%'")
    return {str(r[0]) for r in rows}


def duplicates(db: TestDatabase) -> list[str]:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=["duplicate-index"]))
    return sorted(f.object.name for f in report.findings if f.object is not None)


def prepared(db: TestDatabase) -> None:
    load(db)
    db.execute(pagila_payment())
    db.execute("VACUUM (ANALYZE) payment")


def test_the_parent_index_attaches_the_partitions_equivalents(
    db: TestDatabase, tmp_path: Path
) -> None:
    """payment(customer_id): ON ONLY the parent, one new index on _07, the six idx_fk_…
    attached, the six second copies proposed for dropping; applied for real (with the drops),
    the audit finds no duplicate index left."""
    prepared(db)
    assert len(duplicates(db)) == 6  # Pagila's own pairs
    advice = run(db, tmp_path, WORKLOAD, real=True)
    [rec] = on(advice, "public.payment")
    assert rec.candidate.columns == ("customer_id",)
    # its size is what is built: _07's index, about a seventh of one on every partition
    [(one,)] = db.execute("SELECT pg_relation_size('idx_fk_payment_p2022_01_customer_id')")
    assert 0.5 * one < rec.size_bytes < 2 * one
    assert rec.reuse == tuple(
        ("public", PARTITION.format(m), f"idx_fk_{PARTITION.format(m)}_customer_id")
        for m in range(1, 7)
    )
    [finding] = [f for f in advice_report(advice).findings if f.check == "index-recommendation"]
    assert finding.evidence["attaches"] == [f"public.{index}" for _, _, index in rec.reuse]
    sql = rec.fix.to_sql()
    assert 'ON ONLY "public"."payment"' in sql
    assert sql.count("CREATE INDEX CONCURRENTLY") == 1 and "payment_p2022_07" in sql
    assert sql.count("ATTACH PARTITION") == 7
    assert rec.fix.index_names() == [rec.name, "payment_p2022_07_payment_customer_id_idx"]
    assert sorted(d.name for d in advice.drops) == [
        f"{PARTITION.format(m)}_customer_id_idx" for m in range(1, 7)
    ]

    before = indexes_of(db)
    assert apply(db.dsn, advice.recommendations) == (f"public.{rec.name}: created",)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for drop in advice.drops:
            conn.execute(DropIndex(drop.schema, drop.name).statement().encode())
    after = indexes_of(db)
    assert after - before == {rec.name, "payment_p2022_07_payment_customer_id_idx"}
    assert before - after == {d.name for d in advice.drops}
    assert db.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == [(0,)]
    attached = db.execute(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", (f"public.{rec.name}",)
    )
    assert attached == [(7,)]
    assert duplicates(db) == []
    # the advice now finds what it would recommend already there
    again = run(db, tmp_path, WORKLOAD, real=True)
    assert on(again, "public.payment") == []


def test_alembic_form_reuses_and_its_downgrade_gives_the_reused_indexes_back(
    db: TestDatabase, tmp_path: Path
) -> None:
    prepared(db)
    advice = run(db, tmp_path, WORKLOAD, real=True)
    versions = tmp_path / "versions"
    versions.mkdir()
    path = write_revision(advice, versions)
    text = path.read_text()
    assert "ATTACH PARTITION" in text and "idx_fk_payment_p2022_01_customer_id" in text
    spec = importlib.util.spec_from_file_location("revision", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    engine = sa.create_engine(db.dsn.replace("postgresql://", "postgresql+psycopg://"))
    before = indexes_of(db)
    try:
        with engine.connect() as conn, Operations.context(MigrationContext.configure(conn)):
            module.upgrade()
        assert indexes_of(db) - before == set(module.PERF_INDEXES)
        with engine.connect() as conn, Operations.context(MigrationContext.configure(conn)):
            module.downgrade()
        assert indexes_of(db) == before  # the reused partition indexes rebuilt as they were
    finally:
        engine.dispose()


def test_what_every_partition_has_is_not_recommended(db: TestDatabase, tmp_path: Path) -> None:
    prepared(db)
    db.execute("CREATE INDEX payment_p2022_07_customer_id_idx ON payment_p2022_07 (customer_id)")
    advice = run(db, tmp_path, WORKLOAD, real=True)
    assert on(advice, "public.payment") == []
    assert not any(c.table.name == "payment" for c, _ in advice.uncosted)
