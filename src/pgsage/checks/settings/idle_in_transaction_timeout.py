"""idle-in-transaction-timeout-unset: nothing ends sessions that leave transactions open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.settings.values import (
    application_roles,
    change_setting,
    is_zero_duration,
    role_setting,
    setting_ref,
    setting_row,
    value_ms,
)
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.steps import Comment, CommentedOut, Steps
from pgsage.model import Finding, Severity

NAME = "idle_in_transaction_session_timeout"


class IdleInTransactionTimeoutUnset(Check):
    id = "idle-in-transaction-timeout-unset"
    category = "settings"
    severity = Severity.WARNING
    title = "No idle_in_transaction_session_timeout"
    requires_sections = ("settings", "roles")
    params = (
        Param("suggested_value", "5min", "the timeout the fix proposes"),
        Param("include_superusers", False, "also require it of superuser roles"),
    )
    docs = CheckDocs(
        problem="idle_in_transaction_session_timeout is 0 (disabled) for new sessions in this "
        "database, and login roles used by applications do not set it either.",
        why="A session that opens a transaction and then stalls (an exception path without "
        "rollback, a transaction held across a slow HTTP call, a debugging session) keeps "
        "its locks and holds back VACUUM until someone notices. With a timeout the server "
        "ends such sessions by itself.",
        fix="ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'; SELECT "
        "pg_reload_conf(); — or per application role: ALTER ROLE app SET "
        "idle_in_transaction_session_timeout = '5min'. Applications must then handle a "
        "terminated connection (pool pre-ping).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        row = setting_row(snapshot, NAME)
        if row is None or value_ms(row) != 0:
            return []
        roles = [
            r
            for r in application_roles(snapshot, bool(params["include_superusers"]))
            if is_zero_duration(role_setting(r, NAME))
        ]
        if not roles:
            return []
        names = [r.name for r in roles]
        suggested = str(params["suggested_value"])
        per_role = [
            CommentedOut(SetSetting(name=NAME, value=suggested, role=name)) for name in names
        ]
        return [
            self.finding(
                setting_ref(NAME),
                f"{NAME} is 0 (disabled) and {len(names)} login role(s) do not set it: "
                f"{', '.join(names[:5])}{', ...' if len(names) > 5 else ''}",
                evidence={NAME: 0, "roles_without_timeout": names, "suggested_value": suggested},
                recommendation=f"Set {NAME} (e.g. {suggested}) server-wide or for each application "
                "role, so that sessions left idle inside a transaction are ended "
                "instead of holding locks and blocking VACUUM.",
                fix=Steps(
                    (
                        change_setting(snapshot, row, suggested),
                        Comment("or only for the application roles:"),
                        *per_role,
                    )
                ),
            )
        ]
