"""A throwaway copy for ``--verify``: the schema and a sample of the data, on a local server.

The schema comes from ``pg_dump --schema-only`` (the local server's pg_dump, which reads every
older server), replayed statement by statement so that what the local server lacks (an
extension it does not ship, say) is skipped and reported instead of stopping the copy. Each
table the workload reads is then filled with a random sample (``TABLESAMPLE BERNOULLI``) of at
most ``max_rows`` rows streamed by COPY, with foreign-key triggers off
(``session_replication_role = replica``: a sample of a child table has orphans), and analysed.
The source is only read, in a read-only session.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.advise.model import RelName
from pgsage.advise.workload import split_statements
from pgsage.db.connect import SessionOptions, connect, one_line
from pgsage.db.scratchmark import mark, sweep
from pgsage.errors import PgsageError

DEFAULT_MAX_ROWS = 200_000
READ_SESSION = SessionOptions(
    statement_timeout_ms=600_000,
    lock_timeout_ms=5_000,
    application_name="pgsage advise --verify (sampling)",
)

# The sampled rows keep their keys, but the copy's sequences start at 1: an INSERT of the
# workload measured under --verify would collide with a sampled key. Each sequence owned by a
# column (identity: deptype 'i'; serial: 'a') goes past the column's largest sampled value.
ADVANCE_SEQUENCES = """
DO $pgsage$
DECLARE r record; top numeric;
BEGIN
  FOR r IN
    SELECT s.seqrelid::regclass AS seq, d.refobjid::regclass AS tbl, a.attname
    FROM pg_catalog.pg_sequence s
    JOIN pg_catalog.pg_depend d ON d.objid = s.seqrelid
     AND d.classid = 'pg_catalog.pg_class'::regclass
     AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
    JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  LOOP
    EXECUTE pg_catalog.format('SELECT pg_catalog.max(%I)::numeric FROM %s', r.attname, r.tbl) INTO top;
    IF top IS NOT NULL THEN
      PERFORM pg_catalog.setval(r.seq, top::bigint);
    END IF;
  END LOOP;
END
$pgsage$
"""


@dataclass
class SampledCopy:
    name: str
    dsn: str
    rows: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # schema statements the copy lacks


def make_sampled_copy(
    source_dsn: str,
    admin_dsn: str,
    dsn_for: Callable[[str], str],
    pg_dump: Path,
    name: str,
    tables: list[RelName],
    max_rows: int = DEFAULT_MAX_ROWS,
    progress: Callable[[str], None] = lambda _: None,
) -> SampledCopy:
    """Create database ``name`` (through ``admin_dsn``) as a sampled copy of ``source_dsn``."""
    dump = subprocess.run(
        [
            str(pg_dump),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--no-publications",
            "--no-subscriptions",
            "-d",
            source_dsn,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if dump.returncode != 0:
        raise PgsageError(
            f"--verify: pg_dump of the schema failed: {one_line(dump.stderr or 'no output')}"
        )
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        sweep(conn)  # copies killed runs left behind (see pgsage.db.scratchmark)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        mark(conn, name)
    try:
        return _fill_copy(
            SampledCopy(name=name, dsn=dsn_for(name)),
            dump.stdout,
            source_dsn,
            tables,
            max_rows,
            progress,
        )
    except BaseException:  # an error, SIGINT or SIGTERM while copying: no copy left behind
        drop_copy(admin_dsn, name)
        raise


def _fill_copy(
    copy: SampledCopy,
    dump: str,
    source_dsn: str,
    tables: list[RelName],
    max_rows: int,
    progress: Callable[[str], None],
) -> SampledCopy:
    script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    with psycopg.connect(copy.dsn, autocommit=True) as target:
        for statement in split_statements(script):
            try:
                target.execute(statement.encode())
            except psycopg.Error as exc:
                copy.skipped.append(f"{one_line(statement)[:80]}: {one_line(str(exc))}")
        progress(
            f"schema copied ({len(copy.skipped)} statement(s) skipped); sampling "
            f"{len(tables)} table(s)"
        )
        target.execute("SET session_replication_role = replica")
        with connect(source_dsn, READ_SESSION) as source:
            for table in tables:
                copy.rows[str(table)] = _copy_sample(source, target, table, max_rows)
        target.execute("RESET session_replication_role")
        target.execute(ADVANCE_SEQUENCES)
        target.execute("ANALYZE")
    return copy


def drop_copy(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _copy_sample(
    source: psycopg.Connection[TupleRow],
    target: psycopg.Connection[TupleRow],
    table: RelName,
    max_rows: int,
) -> int:
    ident = sql.Identifier(table.schema, table.name)
    row = source.execute(
        "SELECT CASE WHEN c.relkind = 'p' THEN (SELECT pg_catalog.sum(greatest(l.reltuples, 0)) "
        "FROM pg_catalog.pg_partition_tree(c.oid) t JOIN pg_catalog.pg_class l ON l.oid = t.relid "
        "WHERE t.isleaf) "
        "ELSE greatest(c.reltuples, 0) END FROM pg_catalog.pg_class c WHERE c.oid = %s::regclass",
        (ident.as_string(source),),
    ).fetchone()
    estimated = float(row[0] or 0) if row else 0.0
    percent = 100.0 if estimated <= max_rows else max(0.001, 100.0 * max_rows / estimated)
    query = sql.SQL("COPY (SELECT * FROM {} TABLESAMPLE BERNOULLI ({})) TO STDOUT").format(
        ident, sql.Literal(round(percent, 4))
    )
    copied = 0
    with (
        source.cursor() as out_cur,
        out_cur.copy(query) as out,
        target.cursor() as in_cur,
        in_cur.copy(sql.SQL("COPY {} FROM STDIN").format(ident)) as into,
    ):
        for data in out:
            into.write(data)
            copied += bytes(data).count(b"\n")
    source.rollback()
    return copied
