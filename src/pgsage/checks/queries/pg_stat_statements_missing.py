"""pg-stat-statements-missing: no statement statistics, so no view of the workload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.server import CreateExtension
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, Fix, ObjectRef, Severity

EXTENSION = "pg_stat_statements"


class PgStatStatementsMissing(Check):
    id = "pg-stat-statements-missing"
    category = "queries"
    severity = Severity.WARNING
    title = "pg_stat_statements is not available"
    docs = CheckDocs(
        problem="The pg_stat_statements extension is not usable in this database: its library "
        "is not in shared_preload_libraries, the extension is not created here, or the "
        "server does not have it (the contrib package is missing).",
        why="Without it there is no record of which statements take the time, how often they "
        "run, how many rows they return or whether they spill to disk: the slow-query and "
        "workload checks and `pgsage advise` have nothing to work with, and tuning is "
        "guesswork.",
        fix="Add it to shared_preload_libraries (keeping the libraries already there) and "
        "restart the server, then CREATE EXTENSION pg_stat_statements in each database "
        "you want to watch. Managed services expose the setting in their parameter groups.",
        alembic="op.execute('CREATE EXTENSION IF NOT EXISTS pg_stat_statements') in a "
        "migration; the preload setting is server configuration, not a migration.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        info = snapshot.statements_info
        server = snapshot.server
        if info.status not in ("not-installed", "not-preloaded", "not-available"):
            return []  # ok, or an error reading it (reported by the checks that need it)
        preloaded = server.preloaded(EXTENSION)
        libraries = server.shared_preload_libraries
        if info.status == "not-available":
            message = (
                f"{EXTENSION} is not available on this server (the PostgreSQL contrib "
                "package is not installed)"
            )
        elif info.status == "not-installed":
            message = f"{EXTENSION} is not created in database {server.database}"
        else:
            message = (
                f"{EXTENSION} is created in database {server.database} but its library "
                "is not in shared_preload_libraries"
            )
        steps = []
        if info.status == "not-available":
            steps.append("install the contrib package (e.g. postgresql-contrib)")
        if preloaded is not True:
            steps.append(f"add {EXTENSION} to shared_preload_libraries and restart the server")
            if preloaded is None:
                message += " (shared_preload_libraries is not readable by this role)"
        if info.status != "not-preloaded":
            steps.append(f"run CREATE EXTENSION {EXTENSION}")
        fix: list[Fix] = []
        if preloaded is not True:
            wanted = [lib for lib in (libraries or []) if lib != EXTENSION] + [EXTENSION]
            fix.append(
                SetSetting(
                    name="shared_preload_libraries",
                    value=tuple(wanted),
                    reload=False,
                    note="then restart the server (a reload is not enough)",
                )
            )
        if info.status != "not-preloaded":
            fix.append(CreateExtension(EXTENSION))
        return [
            self.finding(
                ObjectRef("extension", "", EXTENSION),
                message,
                evidence={
                    "status": info.status,
                    "detail": info.detail,
                    "extension_version": info.extension_version,
                    "shared_preload_libraries": None if libraries is None else ", ".join(libraries),
                    "available": server.extension_available(EXTENSION),
                },
                recommendation="To see the workload: " + "; then ".join(steps) + ".",
                fix=Steps(tuple(fix)),
            )
        ]
