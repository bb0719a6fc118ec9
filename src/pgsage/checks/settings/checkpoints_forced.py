"""checkpoints-forced: most checkpoints are requested (WAL filled up) instead of timed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.settings.values import (
    change_setting,
    setting_ref,
    setting_row,
    value_bytes,
    value_ms,
)
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity
from pgsage.units import human_bytes

GB = 1024**3
MB = 1024**2


def size_literal(size: int) -> str:
    """A size as PostgreSQL accepts it: whole gigabytes as '2GB', otherwise megabytes."""
    return f"{size // GB}GB" if size % GB == 0 else f"{max(size // MB, 1)}MB"


class CheckpointsForced(Check):
    id = "checkpoints-forced"
    category = "settings"
    severity = Severity.WARNING
    title = "Checkpoints forced by WAL volume"
    requires_sections = ("checkpointer", "settings")
    params = (
        Param(
            "max_requested_share",
            0.2,
            "report when requested checkpoints are at least this share of all checkpoints",
        ),
        Param("min_checkpoints", 10, "only with at least this many checkpoints counted"),
    )
    docs = CheckDocs(
        problem="A large share of the checkpoints were requested rather than timed "
        "(pg_stat_checkpointer.num_requested on PostgreSQL 17+, "
        "pg_stat_bgwriter.checkpoints_req before): WAL reached max_wal_size before "
        "checkpoint_timeout elapsed.",
        why="Each checkpoint flushes every dirty buffer and, with full_page_writes, makes the "
        "next change to every page write a full page image into WAL — so frequent "
        "checkpoints multiply WAL volume and write I/O, and cause latency spikes. Manual "
        "CHECKPOINT commands, base backups and CREATE DATABASE also count as requested.",
        fix="Raise max_wal_size (a reload is enough) until most checkpoints are timed; "
        "make sure the disk holding pg_wal has room for it. Then reset the counters "
        "(pg_stat_reset_shared) and check again after a busy period.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        stats = snapshot.checkpointer
        row = setting_row(snapshot, "max_wal_size")
        if stats is None or row is None:
            return []
        total = stats.timed + stats.requested
        if total < int(params["min_checkpoints"]) or total == 0:
            return []
        share = stats.requested / total
        if share < float(params["max_requested_share"]):
            return []
        current = value_bytes(row)
        timeout_row = setting_row(snapshot, "checkpoint_timeout")
        timeout_ms = value_ms(timeout_row) if timeout_row else None
        suggested = size_literal(current * 2) if current else "2GB"
        return [
            self.finding(
                setting_ref(row.name),
                f"{stats.requested} of {total} checkpoints ({share:.0%}) were requested rather "
                f"than timed; max_wal_size is {human_bytes(current) if current else 'unknown'}",
                evidence={
                    "requested": stats.requested,
                    "timed": stats.timed,
                    "requested_share": round(share, 3),
                    "max_wal_size_bytes": current,
                    "checkpoint_timeout_seconds": timeout_ms / 1000 if timeout_ms else None,
                    "stats_reset": stats.stats_reset.isoformat() if stats.stats_reset else None,
                    "max_requested_share": float(params["max_requested_share"]),
                    "min_checkpoints": int(params["min_checkpoints"]),
                },
                recommendation=f"Raise max_wal_size (e.g. to {suggested}) so that checkpoints come "
                "from checkpoint_timeout rather than from WAL volume, and check "
                "that no job issues CHECKPOINT by hand.",
                fix=change_setting(snapshot, row, suggested),
            )
        ]
