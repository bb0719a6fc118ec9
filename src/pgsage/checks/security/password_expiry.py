"""password-expiry: login roles whose password never expires — opt-in, for expiry policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.security.refs import role_ref
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


class PasswordExpiry(Check):
    id = "password-expiry"
    category = "security"
    severity = Severity.INFO
    title = "Password without expiry (opt-in)"
    requires_sections = ("roles", "role_passwords")
    params = (
        Param(
            "enabled", False, "report at all: turn on where a policy requires passwords to expire"
        ),
        Param(
            "max_days",
            0.0,
            "also report a VALID UNTIL further ahead than this many days (0: only a missing one)",
        ),
    )
    docs = CheckDocs(
        problem="A login role has a password but no VALID UNTIL (or one further ahead than "
        "`max_days`). Off by default: set `enabled = true` where a policy (PCI DSS, an "
        "internal standard) requires passwords to expire. Needs superuser to see which "
        "roles have passwords.",
        why="Opt-in, because forced expiry is a policy choice rather than a defect: current "
        "guidance (NIST SP 800-63B) advises against periodic rotation without a reason, "
        "and an expired application password is an outage — PostgreSQL refuses the login "
        "once VALID UNTIL passes, with nothing but a failed authentication in the log. "
        "Where a policy does require it, a password that never expires stays valid forever "
        "after it leaks.",
        fix="ALTER ROLE ... VALID UNTIL '<date>' per your policy — and monitor the dates, so "
        "that the role's password is rotated before it expires. Prefer certificate or "
        "SCRAM authentication with secrets managed (and rotated) by a vault.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        if not bool(params["enabled"]):
            return []
        max_days = float(params["max_days"])
        with_password = {p.name: p.method for p in snapshot.role_passwords if p.method != "none"}
        now = snapshot.collected_at
        findings = []
        for role in sorted(snapshot.roles, key=lambda r: r.name):
            if not role.can_login or role.name not in with_password:
                continue
            if role.valid_until is None:
                message = f"login role {role.name} has a password that never expires"
                days = None
            else:
                days = (role.valid_until - now).total_seconds() / 86400
                if max_days <= 0 or days <= max_days:
                    continue
                message = (
                    f"login role {role.name}'s password expires in {days:,.0f} days "
                    f"(policy: at most {max_days:g})"
                )
            findings.append(
                self.finding(
                    role_ref(role.name),
                    message,
                    evidence={
                        "role": role.name,
                        "password_method": with_password[role.name],
                        "valid_until": role.valid_until.isoformat() if role.valid_until else None,
                        "days_left": round(days, 1) if days is not None else None,
                        "max_days": max_days,
                    },
                    recommendation=f"Set VALID UNTIL on {role.name} as your policy requires, and "
                    "plan the rotation before that date: an expired password "
                    "locks the role out.",
                )
            )
        return findings
