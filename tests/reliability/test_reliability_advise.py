"""advise: bad inputs are one line and exit 2; a locked table is skipped and named; the
sampled copy's sequences go past the sampled keys; HypoPG index names come out whole."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
from reliability_support import FILE_KINDS, NUMBERS, assert_clean_failure, bad_file, run, workdir

from pgharness import TestDatabase, TestServer

NUMERIC = {
    "--top": NUMBERS,
    "--max-indexes": NUMBERS,
    "--max-indexes-per-table": NUMBERS,
    "--statement-timeout": NUMBERS,
    "--lock-timeout": NUMBERS,
    "--min-calls": ("-1", "nan", "inf", "99999999999999"),  # 0: every statement, fine
    "--min-mean-ms": ("-1", "nan", "inf", "99999999999999"),
}
NUMBER_CASES = [
    pytest.param(option, value, id=f"{option}={value}")
    for option, values in NUMERIC.items()
    for value in values
]


@pytest.mark.parametrize(("option", "value"), NUMBER_CASES)
def test_bad_numbers(tmp_path: Path, option: str, value: str) -> None:
    work = workdir(tmp_path)
    result = run("advise", "--dsn", "host=/nonexistent", option, value, cwd=work)
    assert_clean_failure(result, work)


@pytest.fixture
def pg18_db(pg18: TestServer) -> TestDatabase:
    return pg18.create_database()


@pytest.mark.parametrize("option", ["--queries", "--log"])
@pytest.mark.parametrize("kind", FILE_KINDS)
def test_bad_workload_files(
    pg18: TestServer, pg18_db: TestDatabase, tmp_path: Path, option: str, kind: str
) -> None:
    try:
        work = workdir(tmp_path)
        bad = bad_file(tmp_path / "inputs", kind, ".sql")
        result = run("advise", "--dsn", pg18_db.dsn, option, str(bad), cwd=work)
        assert_clean_failure(result, work)
    finally:
        pg18.drop_database(pg18_db.name)


def test_a_locked_table_is_skipped_and_named(db: TestDatabase, tmp_path: Path) -> None:
    db.execute(
        'CREATE TABLE "Locked Tab"(id int, v int); CREATE TABLE free(id int, v int);'
        'INSERT INTO "Locked Tab" SELECT g, g FROM generate_series(1, 20000) g;'
        "INSERT INTO free SELECT g, g FROM generate_series(1, 20000) g; ANALYZE;"
    )
    queries = tmp_path / "q.sql"
    queries.write_text('SELECT * FROM "Locked Tab" WHERE v = 5;\nSELECT * FROM free WHERE v = 7;\n')
    holder = psycopg.connect(db.dsn)
    holder.execute('LOCK TABLE "Locked Tab" IN ACCESS EXCLUSIVE MODE')
    try:
        result = run(
            "advise",
            "--dsn",
            db.dsn,
            "--queries",
            str(queries),
            "--lock-timeout",
            "200",
            "--allow-real-indexes",
        )
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 0, result.stderr
    assert "Locked Tab" in result.stdout
    assert "locked by another session" in result.stdout
    assert "free" in result.stdout


def test_sampled_copy_advances_identity_and_serial_sequences(db: TestDatabase) -> None:
    from pgsage.advise.sample import ADVANCE_SEQUENCES

    db.execute(
        'CREATE TABLE "Ident"(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int);'
        'CREATE TABLE "se rial"(id serial PRIMARY KEY, v int);'
        'INSERT INTO "Ident"(id, v) OVERRIDING SYSTEM VALUE VALUES (5, 1), (70, 2);'
        'INSERT INTO "se rial"(id, v) VALUES (9, 1), (40, 2);'
    )
    db.execute(ADVANCE_SEQUENCES)
    db.execute('INSERT INTO "Ident"(v) VALUES (3); INSERT INTO "se rial"(v) VALUES (3)')
    assert db.execute('SELECT max(id) FROM "Ident"') == [(71,)]
    assert db.execute('SELECT max(id) FROM "se rial"') == [(41,)]


@pytest.mark.parametrize(
    ("index_name", "expected"),
    [
        ("<13001>btree_public_orders_customer_id", "orders_customer_id_idx"),
        ("<13002>btree_public_Ünïcode_täble_v", "ünïcode_v_idx"),
        ("<13003>btree_sch ema_tab le_col", "tab le_col_idx"),
        ('<13004>btree_public_"quoted"_v', "quoted_v_idx"),
        ("real_index", "real_index"),
    ],
)
def test_hypothetical_index_names_come_out_whole(index_name: str, expected: str) -> None:
    from pgsage.advise.whatif import _scan_nodes

    names = {
        "13001": "orders_customer_id_idx",
        "13002": "ünïcode_v_idx",
        "13003": "tab le_col_idx",
        "13004": "quoted_v_idx",
    }
    plan = {"Node Type": "Index Scan", "Index Name": index_name, "Relation Name": "t"}
    assert _scan_nodes(plan, names) == [f"Index Scan using {expected} on t"]


def test_lost_connection_during_advise_is_one_line(db: TestDatabase, tmp_path: Path) -> None:
    """The backend killed while the advisor works: exit 2, one line (or a clean run when the
    kill came too late); never an internal error."""
    db.execute(
        "CREATE TABLE t(id int, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 50000) g"
    )
    queries = tmp_path / "q.sql"
    queries.write_text("SELECT * FROM t WHERE v = 5;\n" * 30)
    stop = threading.Event()
    threading.Thread(target=_terminate_pgsage_sessions, args=(db.dsn, stop), daemon=True).start()
    try:
        result = run("advise", "--dsn", db.dsn, "--queries", str(queries), "--allow-real-indexes")
    finally:
        stop.set()
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 2:
        assert_clean_failure(result, progress=True)


def _terminate_pgsage_sessions(dsn: str, stop: threading.Event) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not stop.wait(0.05):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'pgsage%%' AND pid <> pg_backend_pid()"
            )
