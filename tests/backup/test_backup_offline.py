"""The parts of `pgsage backup` that need no server: retention, pgBackRest's info, usage errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backuphelp import pgsage

from pgsage.backup.manifest import Backup, Facts, Manifest
from pgsage.backup.pgbackrest import parse_info
from pgsage.backup.retention import to_keep
from pgsage.commands.pgbackrest import stanza_findings

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _backup(at: datetime) -> Backup:
    manifest = Manifest(
        1, "0", f"db-{at:%Y%m%dT%H%M%S}.dump", "custom", "db", "18.1", 180001, "pg_dump 18",
        at, at, 1, {}, Facts(),
    )  # fmt: skip
    return Backup(Path(f"/b/{manifest.dump}.manifest.json"), manifest)


def test_retention_daily_and_weekly() -> None:
    # two a day for 20 days
    backups = [_backup(NOW - timedelta(days=d, hours=h)) for d in range(20) for h in (0, 6)]
    kept = to_keep(backups, keep_daily=3, keep_weekly=3)
    days = sorted({b.manifest.finished_at.date() for b in backups if b.manifest_file in kept})
    newest_each_day = [NOW - timedelta(days=d) for d in range(3)]
    assert {_backup(t).manifest_file for t in newest_each_day} <= kept
    # 2026-12-07 is a Monday: its week, and the weeks ending 12-06 (kept daily) and 11-29
    assert len(kept) == 4
    assert days[0] == (NOW - timedelta(days=8)).date()
    assert to_keep(backups, 0, 0) == {_backup(NOW).manifest_file}  # the newest always stays


def _info(full_age_h: float, wal_max: str = "000000010000000000000009") -> str:
    stop = NOW.timestamp() - full_age_h * 3600
    return json.dumps([{
        "name": "main", "status": {"code": 0, "message": "ok"},
        "db": [{"id": 1, "version": "15"}],
        "archive": [{"id": "15-1", "min": "000000010000000000000001", "max": wal_max}],
        "backup": [{
            "label": "20261201-000000F", "type": "full", "error": False,
            "timestamp": {"start": stop - 60, "stop": stop},
            "archive": {"start": "000000010000000000000003", "stop": "000000010000000000000004"},
        }],
    }])  # fmt: skip


def test_pgbackrest_info_findings() -> None:
    (fresh,) = parse_info(_info(1))
    assert stanza_findings(fresh, NOW.timestamp()) == []
    (old,) = parse_info(_info(24 * 10))
    messages = [f.message for f in stanza_findings(old, NOW.timestamp())]
    assert any("last full backup 20261201-000000F is 240 h old" in m for m in messages)
    (gap,) = parse_info(_info(1, wal_max="000000010000000000000003"))
    (lost,) = stanza_findings(gap, NOW.timestamp())
    assert lost.severity.value == "error" and "not within the archive" in lost.message


def test_verify_needs_a_dump_or_latest(tmp_path: Path) -> None:
    result = pgsage("backup", "verify")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "pgsage: error: give a dump to verify or --latest DIR (one of them)"
    ]
    missing = pgsage("backup", "verify", str(tmp_path / "nothing.dump"))
    assert missing.returncode == 2 and "no manifest beside" in missing.stderr
    damaged = tmp_path / "x.dump.manifest.json"
    damaged.write_text("{")
    bad = pgsage("backup", "verify", str(tmp_path / "x.dump"))
    assert bad.returncode == 2 and "not a pgsage backup manifest" in bad.stderr
