"""lint: bad files and numbers are one line and exit 2; --dsn finds tables by the identifiers
the parse tree holds (quoted mixed case, spaces, quotes), never by re-parsed text."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import NUMBERS, assert_clean_failure, bad_file, run, workdir

from pgharness import TestDatabase

# An empty .sql file is an empty migration: linted, 0 violations (not a bad input).
FILE_CASES = [
    pytest.param(argv, kind, suffix, id=f"{'-'.join(argv) or 'path'}-{kind}{suffix}")
    for argv, kinds, suffix in [
        ([], ("binary", "missing"), ".sql"),
        ([], ("binary", "empty", "missing"), ".py"),
        ([], ("binary", "empty", "directory"), ""),
        (["--config"], ("binary", "directory", "missing"), ".toml"),
    ]
    for kind in kinds
]


@pytest.mark.parametrize(("argv", "kind", "suffix"), FILE_CASES)
def test_bad_input_files(tmp_path: Path, argv: list[str], kind: str, suffix: str) -> None:
    work = workdir(tmp_path)
    bad = bad_file(tmp_path / "inputs", kind, suffix)
    good = tmp_path / "inputs" / "ok.sql"
    good.write_text("SELECT 1;\n")
    paths = [str(good), "--config", str(bad)] if argv else [str(bad)]
    assert_clean_failure(run("lint", *paths, cwd=work), work)


@pytest.mark.parametrize("value", NUMBERS)
def test_bad_pg_version(tmp_path: Path, value: str) -> None:
    work = workdir(tmp_path)
    sql = tmp_path / "m.sql"
    sql.write_text("SELECT 1;\n")
    assert_clean_failure(run("lint", str(sql), "--pg-version", value, cwd=work), work)


@pytest.mark.parametrize(
    ("create", "statement", "table"),
    [
        (
            'CREATE TABLE "BigTable"(v text)',
            'ALTER TABLE "BigTable" ALTER COLUMN v TYPE varchar(10)',
            "BigTable",
        ),
        (
            'CREATE SCHEMA "sch ema"; CREATE TABLE "sch ema"."tab le"(v text)',
            'ALTER TABLE "sch ema"."tab le" ALTER COLUMN v TYPE varchar(10)',
            "tab le",
        ),
        (
            'CREATE TABLE "it\'s ""q"""(v text)',
            'ALTER TABLE "it\'s ""q""" ALTER COLUMN v TYPE varchar(10)',
            'it\'s "q"',
        ),
        ('CREATE TABLE "a.b"(v text)', 'ALTER TABLE "a.b" ALTER COLUMN v TYPE varchar(10)', "a.b"),
    ],
    ids=["mixed-case", "space", "quotes", "dot"],
)
def test_dsn_finds_tables_by_identifier(
    db: TestDatabase, tmp_path: Path, create: str, statement: str, table: str
) -> None:
    from pgsage.lint.catalog import read_catalog, relation_parts
    from pgsage.lint.model import SourceKind, Unit
    from pgsage.lint.source_sql import parse_statements

    db.execute(create)
    # a lower-case namesake must not be read instead
    db.execute("CREATE TABLE IF NOT EXISTS bigtable(v int)")
    path = tmp_path / "m.sql"
    path.write_text(statement + ";\n")
    unit = Unit(path=path, kind=SourceKind.SQL, sql=path.read_text())
    statements, _ = parse_statements(unit)
    parts = relation_parts(statements)
    assert [name for _, name in parts.values()] == [table]
    catalog = read_catalog(db.dsn, parts)
    (key,) = parts
    assert key in catalog.sizes
    assert catalog.column_types[(key, "v")][0] == "text"
