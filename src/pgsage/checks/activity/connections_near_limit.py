"""connections-near-limit: client connections close to what max_connections lets them have."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pgsage.checks.activity.sessions import VISIBILITY_NOTE, client_sessions
from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


def _int_setting(snapshot: Snapshot, name: str) -> int:
    value = snapshot.setting(name)
    return int(value) if value is not None else 0


class ConnectionsNearLimit(Check):
    id = "connections-near-limit"
    category = "activity"
    severity = Severity.WARNING
    title = "Connections near the limit"
    requires_sections = ("activity", "database", "settings")
    params = (
        Param(
            "warning_ratio",
            0.8,
            "warn when client connections reach this share of the "
            "connections available to ordinary roles",
        ),
        Param("error_ratio", 0.95, "an error from this share on"),
    )
    docs = CheckDocs(
        problem="Client connections (all databases) use most of the slots that max_connections "
        "leaves to ordinary roles after superuser_reserved_connections (and, on "
        "PostgreSQL 16+, reserved_connections)." + VISIBILITY_NOTE,
        why="When the slots run out, new connections fail with 'sorry, too many clients "
        "already' — a full outage for the application. Each backend also costs memory, "
        "and hundreds of mostly idle connections slow down snapshots and lock management.",
        fix="Put a connection pooler (PgBouncer in transaction mode) in front of the server, "
        "and size the application pools so that the sum over all processes and instances "
        "(SQLAlchemy pool_size + max_overflow per process) stays well below the limit. "
        "Raising max_connections needs a restart and more memory; it is the last resort.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        db = snapshot.database
        if db is None:
            return []
        reserved = db.superuser_reserved_connections + _int_setting(
            snapshot, "reserved_connections"
        )
        available = db.max_connections - reserved
        if available <= 0:
            return []
        clients = client_sessions(snapshot.activity)
        # The audit's own session is a client connection too; the snapshot leaves it out.
        used = len(clients) + 1
        ratio = used / available
        if ratio < float(params["warning_ratio"]):
            return []
        severity = Severity.ERROR if ratio >= float(params["error_ratio"]) else Severity.WARNING
        states = Counter((s.state or "unknown") for s in clients)
        states["active"] += 1  # the audit session
        by_database = Counter((s.database or "?") for s in clients)
        by_user = Counter((s.username or "?") for s in clients)
        evidence: dict[str, Any] = {
            "client_connections": used,
            "available_connections": available,
            "max_connections": db.max_connections,
            "reserved_connections": reserved,
            "used_ratio": round(ratio, 3),
            "warning_ratio": float(params["warning_ratio"]),
            "error_ratio": float(params["error_ratio"]),
            "all_sessions_visible": snapshot.server.can_read_all_stats,
        }
        for state, count in sorted(states.items()):
            evidence["state_" + state.replace(" ", "_").replace("(", "").replace(")", "")] = count
        evidence["by_database"] = [f"{name}: {n}" for name, n in _top(by_database)]
        evidence["by_user"] = [f"{name}: {n}" for name, n in _top(by_user)]
        idle = states.get("idle", 0)
        return [
            self.finding(
                ObjectRef("setting", "", "max_connections"),
                f"{used} of {available} available connections are in use ({ratio:.0%}; "
                f"max_connections {db.max_connections} minus {reserved} reserved), {idle} of them "
                "idle",
                severity=severity,
                evidence=evidence,
                recommendation="Route the applications through a connection pooler such as "
                "PgBouncer (transaction pooling) and cap each application's pool "
                "(pool_size + max_overflow times the number of processes) so that "
                "their sum stays below the available connections; idle connections "
                "are the first to pool away.",
            )
        ]


def _top(counter: Counter[str], limit: int = 10) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]
