"""replica-lag: standbys that replay far behind this server, in bytes or in seconds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.rows import Replica
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity
from pgsage.units import human_bytes


def host(address: str | None) -> str:
    """An inet as text without the single-host netmask ('10.0.0.5/32' -> '10.0.0.5')."""
    if not address:
        return "local"
    for suffix in ("/32", "/128"):
        address = address.removesuffix(suffix)
    return address


def replica_names(replicas: list[Replica]) -> dict[int, str]:
    """A readable name per walsender pid: application@address, with the pid when ambiguous."""
    base = {r.pid: f"{r.application_name or 'unnamed'}@{host(r.client_addr)}" for r in replicas}
    counts = Counter(base.values())
    return {pid: name if counts[name] == 1 else f"{name} (pid {pid})" for pid, name in base.items()}


class ReplicaLag(Check):
    id = "replica-lag"
    category = "replication"
    severity = Severity.WARNING
    title = "Replica lag"
    requires_sections = ("replication",)
    requires_all_stats = True
    params = (
        Param(
            "warning_bytes",
            100 * 1024 * 1024,
            "warn when a replica's replay is this many bytes of WAL behind",
        ),
        Param("error_bytes", 1024 * 1024 * 1024, "an error from this many bytes on"),
        Param("warning_seconds", 30.0, "warn when replay_lag reaches this many seconds"),
        Param("error_seconds", 300.0, "an error from this many seconds on"),
    )
    docs = CheckDocs(
        problem="A standby streaming from this server has replayed WAL far behind the "
        "server's current position (replay lag in bytes), or pg_stat_replication "
        "reports a large replay_lag in seconds.",
        why="Reads served by the replica return stale data (a user does not see what they just "
        "saved); a failover to it loses or delays the missing transactions; and the "
        "primary keeps the WAL the replica still needs (with a slot, without bound), which "
        "can fill its disk. For a synchronous replica the lag is commit latency.",
        fix="Find the bottleneck: network bandwidth (write/flush lag high), standby I/O or CPU "
        "(only replay lag high), or replay paused by conflicts with long queries on the "
        "standby (max_standby_streaming_delay, hot_standby_feedback). Large batch writes "
        "and index builds on the primary produce bursts of WAL; spread them out.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        warn_bytes, error_bytes = int(params["warning_bytes"]), int(params["error_bytes"])
        warn_s, error_s = float(params["warning_seconds"]), float(params["error_seconds"])
        names = replica_names(snapshot.replication)
        findings = []
        for replica in sorted(snapshot.replication, key=lambda r: names[r.pid]):
            lag_bytes = replica.replay_lag_bytes
            lag_s = replica.replay_lag_s
            over_bytes = lag_bytes is not None and lag_bytes >= warn_bytes
            over_s = lag_s is not None and lag_s >= warn_s
            if not (over_bytes or over_s):
                continue
            error = (lag_bytes is not None and lag_bytes >= error_bytes) or (
                lag_s is not None and lag_s >= error_s
            )
            parts = []
            if lag_bytes is not None:
                parts.append(f"{human_bytes(lag_bytes)} of WAL")
            if lag_s is not None:
                parts.append(f"{lag_s:.1f} s")
            findings.append(
                self.finding(
                    ObjectRef("replica", "", names[replica.pid]),
                    f"replica {names[replica.pid]} ({replica.state or 'unknown state'}, "
                    f"{replica.sync_state or 'async'}) replays {' / '.join(parts)} behind",
                    severity=Severity.ERROR if error else None,
                    evidence={
                        "pid": replica.pid,
                        "application": replica.application_name or "",
                        "client_addr": host(replica.client_addr),
                        "state": replica.state,
                        "sync_state": replica.sync_state,
                        "replay_lag_bytes": lag_bytes,
                        "write_lag_seconds": replica.write_lag_s,
                        "flush_lag_seconds": replica.flush_lag_s,
                        "replay_lag_seconds": lag_s,
                        "warning_bytes": warn_bytes,
                        "error_bytes": error_bytes,
                        "warning_seconds": warn_s,
                        "error_seconds": error_s,
                    },
                    recommendation=_advice(replica),
                )
            )
        return findings


def _advice(replica: Replica) -> str:
    write, replay = replica.write_lag_s, replica.replay_lag_s
    if write is not None and replay is not None and write >= replay / 2:
        return (
            "The WAL reaches the replica late (write lag is most of the lag): check the "
            "network between the servers and the WAL volume the primary generates."
        )
    return (
        "Check the replica: replay stalls on slow storage or CPU, on recovery conflicts "
        "with long queries there (max_standby_streaming_delay), or because replay was "
        "paused (pg_is_wal_replay_paused()); do not send fresh reads to it meanwhile."
    )
