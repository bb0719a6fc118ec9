"""CREATE/DROP INDEX text for candidates: identifiers through psycopg.sql, always CONCURRENTLY
with a lock_timeout for what a user runs, plain for what the advisor builds in a transaction."""

from __future__ import annotations

from psycopg import sql

from pgsage.advise.model import Candidate
from pgsage.fixes.quoting import LOCK_TIMEOUT, index_name

NAME_SUFFIX = {"btree": "idx", "gin": "gin_idx", "hnsw": "hnsw_idx"}


def candidate_name(candidate: Candidate) -> str:
    """A deterministic name within PostgreSQL's 63 bytes: table, keys, what kind."""
    parts = [k.column or "_".join(("expr", *k.columns)) for k in candidate.keys]
    if candidate.where:
        parts.append("partial")
    if candidate.include:
        parts += ["incl", *candidate.include]
    if candidate.opclass == "gin_trgm_ops":
        parts.append("trgm")
    return index_name(candidate.table.name, parts, NAME_SUFFIX.get(candidate.method, "idx"))


def index_sql(
    candidate: Candidate,
    name: str,
    *,
    concurrently: bool,
    if_not_exists: bool = False,
    only: bool = False,
) -> sql.Composed:
    """``CREATE INDEX`` for ``candidate``; ``only`` gives ``ON ONLY`` (a partitioned parent)."""
    keys = []
    for key in candidate.keys:
        item: sql.Composable = (
            sql.Identifier(key.column)
            if key.column is not None
            else sql.SQL("({})").format(sql.SQL(key.expression or ""))
        )
        if candidate.opclass:
            item = sql.SQL("{} {}").format(item, sql.Identifier(candidate.opclass))
        keys.append(item)
    parts: list[sql.Composable] = [sql.SQL("CREATE INDEX ")]
    if concurrently:
        parts.append(sql.SQL("CONCURRENTLY "))
    if if_not_exists:
        parts.append(sql.SQL("IF NOT EXISTS "))
    parts.append(
        sql.SQL("{} ON {}{} ").format(
            sql.Identifier(name),
            sql.SQL("ONLY ") if only else sql.SQL(""),
            sql.Identifier(candidate.table.schema, candidate.table.name),
        )
    )
    if candidate.method != "btree":
        parts.append(sql.SQL("USING {} ").format(sql.Identifier(candidate.method)))
    parts.append(sql.SQL("({})").format(sql.SQL(", ").join(keys)))
    if candidate.include:
        parts.append(
            sql.SQL(" INCLUDE ({})").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in candidate.include)
            )
        )
    if candidate.where:
        parts.append(sql.SQL(" WHERE {}").format(sql.SQL(candidate.where)))
    return sql.Composed(parts)


def create_ddl(
    candidate: Candidate, name: str, partitions: tuple[tuple[str, str], ...] = ()
) -> str:
    """What a user runs: CONCURRENTLY with lock_timeout. A partitioned parent cannot be indexed
    concurrently, so its index is created ON ONLY the parent (invalid, instantly), each
    partition's concurrently, then attached — the parent index turns valid with the last."""
    if not partitions:
        text = index_sql(candidate, name, concurrently=True, if_not_exists=True).as_string(None)
        return f"{LOCK_TIMEOUT}\n{text};"
    lines = [
        LOCK_TIMEOUT,
        index_sql(candidate, name, concurrently=False, if_not_exists=True, only=True).as_string(
            None
        )
        + ";",
    ]
    for schema, part in partitions:
        child = partition_index_name(name, part)
        on_part = Candidate(
            table=candidate.table.__class__(schema, part),
            keys=candidate.keys,
            method=candidate.method,
            where=candidate.where,
            include=candidate.include,
            opclass=candidate.opclass,
            kind=candidate.kind,
        )
        lines.append(
            index_sql(on_part, child, concurrently=True, if_not_exists=True).as_string(None) + ";"
        )
        lines.append(
            sql.SQL("ALTER INDEX {} ATTACH PARTITION {};")
            .format(sql.Identifier(candidate.table.schema, name), sql.Identifier(schema, child))
            .as_string(None)
        )
    return "\n".join(lines)


def partition_index_name(name: str, partition: str) -> str:
    return index_name(partition, [name.removesuffix("_idx")], "idx")


def drop_ddl(schema: str, name: str) -> str:
    text = (
        sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {};")
        .format(sql.Identifier(schema, name))
        .as_string(None)
    )
    return f"{LOCK_TIMEOUT}\n{text}"
