"""seq-scan-heavy: a large table read mostly by sequential scans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.queries.folded import QueryStats, preview, workload
from pgsage.checks.tables.storage_params import table_ref
from pgsage.db.rows import Table
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity
from pgsage.units import human_bytes

SCANNING_KINDS = frozenset({"select", "update", "delete"})


def mentions(query: QueryStats, table: Table) -> bool:
    info = query.info
    if info is None or info.kind not in SCANNING_KINDS:
        return False
    return any(ref.name == table.name and ref.schema in (None, table.schema) for ref in info.tables)


class SeqScanHeavy(Check):
    id = "seq-scan-heavy"
    category = "tables"
    severity = Severity.WARNING
    title = "Large table read by sequential scans"
    requires_sections = ("tables",)
    params = (
        Param("min_table_bytes", 100 * 1024 * 1024, "only tables at least this large"),
        Param("min_seq_scans", 100, "only tables sequentially scanned at least this often"),
        Param(
            "min_seq_share",
            0.5,
            "report when sequential scans are more than this share of "
            "all scans (sequential + index)",
        ),
        Param(
            "min_rows_per_seq_scan",
            10000.0,
            "and each sequential scan reads at least this many rows on average",
        ),
        Param(
            "max_rows_per_call",
            100.0,
            "statements returning at most this many rows per "
            "call are cited as selective (an index could serve "
            "them)",
        ),
        Param("max_statements", 3, "how many selective statements to cite"),
    )
    docs = CheckDocs(
        problem="A large table is read mostly by sequential scans (seq_scan against idx_scan "
        "in pg_stat_user_tables), each reading many rows. Where pg_stat_statements is "
        "available, the selective statements on the table (few rows per call) are "
        "cited: those are the ones an index would serve.",
        why="A sequential scan reads the whole table to return a few rows: its cost grows "
        "with the table, it pushes useful pages out of the cache, and under concurrency "
        "many of them saturate the disks. Usually an index is missing, or the query is "
        "written so that none can be used (a function around the column, a type "
        "mismatch, a leading-wildcard LIKE).",
        fix="Run `pgsage advise` to get index candidates for the statements on this table "
        "(tested with HypoPG when available), check the plans with EXPLAIN (ANALYZE, "
        "BUFFERS), and create the index CONCURRENTLY. Reports and batch jobs that really "
        "read the whole table are fine: raise the thresholds or ignore the table.",
        alembic="op.create_index(name, table, columns, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        queries = workload(self.context) if snapshot.statements_info.status == "ok" else ()
        findings = []
        for table in snapshot.tables:
            if table.kind not in ("r", "m") or table.table_bytes < int(params["min_table_bytes"]):
                continue
            seq = table.seq_scan or 0
            idx = table.idx_scan or 0
            if seq <= 0 or seq < int(params["min_seq_scans"]):
                continue
            share = seq / (seq + idx)
            per_scan = (table.seq_tup_read or 0) / seq
            if share <= float(params["min_seq_share"]) or per_scan < float(
                params["min_rows_per_seq_scan"]
            ):
                continue
            findings.append(self._finding(snapshot, table, share, per_scan, queries, params))
        return findings

    def _finding(
        self,
        snapshot: Snapshot,
        table: Table,
        share: float,
        per_scan: float,
        queries: Sequence[QueryStats],
        params: Mapping[str, Any],
    ) -> Finding:
        selective = [
            q
            for q in queries
            if q.rows_per_call <= float(params["max_rows_per_call"]) and mentions(q, table)
        ][: int(params["max_statements"])]
        evidence: dict[str, Any] = {
            "table_bytes": table.table_bytes,
            "rows": int(table.estimated_rows),
            "seq_scans": table.seq_scan,
            "idx_scans": table.idx_scan,
            "seq_scan_share": round(share, 4),
            "rows_per_seq_scan": round(per_scan),
            "seq_rows_read": table.seq_tup_read,
            "statements": snapshot.statements_info.status,
            "min_table_bytes": int(params["min_table_bytes"]),
            "min_seq_share": float(params["min_seq_share"]),
        }
        for n, query in enumerate(selective, start=1):
            evidence |= {
                f"query_{n}_queryid": query.queryid,
                f"query_{n}_mean_ms": round(query.mean_ms, 2),
                f"query_{n}_calls": query.calls,
                f"query_{n}_rows_per_call": round(query.rows_per_call, 1),
                f"query_{n}_text": preview(query.query),
            }
        cited = ""
        if selective:
            ids = ", ".join(str(q.queryid) for q in selective)
            cited = f"; selective statements on it: queryid {ids}"
        return self.finding(
            table_ref(table),
            f"{table.qualified} ({human_bytes(table.table_bytes)}) was read by {table.seq_scan:,} "
            f"sequential scans ({share:.0%} of its scans), {per_scan:,.0f} rows each{cited}",
            evidence=evidence,
            recommendation=f"Run `pgsage advise` for index candidates on {table.qualified}"
            + (
                f" (start with queryid {selective[0].queryid}, "
                f"{selective[0].mean_ms:.1f} ms per call)"
                if selective
                else ""
            )
            + " and create the index CONCURRENTLY.",
        )
