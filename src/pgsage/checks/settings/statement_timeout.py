"""app-role-statement-timeout-unset: application roles whose statements may run forever."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.settings.values import (
    application_roles,
    is_zero_duration,
    role_setting,
    setting_row,
    value_ms,
)
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.settings import SetSetting
from pgsage.model import Finding, ObjectRef, Severity

NAME = "statement_timeout"


class AppRoleStatementTimeoutUnset(Check):
    id = "app-role-statement-timeout-unset"
    category = "settings"
    severity = Severity.WARNING
    title = "Application role without statement_timeout"
    requires_sections = ("settings", "roles")
    params = (Param("suggested_value", "30s", "the statement_timeout the fix proposes"),)
    docs = CheckDocs(
        problem="A login role that is not a superuser has no statement_timeout of its own "
        "(ALTER ROLE ... SET) while the default for new sessions is 0 (no limit).",
        why="Without a limit, one runaway query — a missing index after a deploy, an "
        "unexpected plan — runs for hours, holding a connection, its locks and the xmin "
        "horizon, while the client that sent it has long timed out; a few of them "
        "exhaust the pool. Superusers and migration roles are better left without one.",
        fix="ALTER ROLE app SET statement_timeout = '30s'; for each application role (new "
        "sessions get it); jobs that legitimately run longer use their own role or SET "
        "statement_timeout in the session.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        row = setting_row(snapshot, NAME)
        if row is None or value_ms(row) != 0:
            return []
        suggested = str(params["suggested_value"])
        findings = []
        for role in application_roles(snapshot, include_superusers=False):
            own = role_setting(role, NAME)
            if not is_zero_duration(own):
                continue
            findings.append(
                self.finding(
                    ObjectRef("role", "", role.name),
                    f"login role {role.name} has no statement_timeout and the server default is 0 "
                    "(no limit)",
                    evidence={
                        "role": role.name,
                        "role_statement_timeout": own,
                        "default_statement_timeout": 0,
                        "suggested_value": suggested,
                    },
                    recommendation=f"Give {role.name} a statement_timeout (e.g. {suggested}) so "
                    "runaway statements are cancelled instead of holding a "
                    "connection and their locks.",
                    fix=SetSetting(name=NAME, value=suggested, role=role.name),
                )
            )
        return findings
