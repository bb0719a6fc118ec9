"""md5-passwords: MD5 password hashing, MD5-hashed passwords, and weak network auth rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.security.refs import (
    HOST_RULE_TYPES,
    hba_ref,
    is_local_address,
    role_ref,
    setting_ref,
)
from pgsage.db.rows import HbaRule
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.roles import ResetPassword
from pgsage.fixes.settings import ResetSetting, SetSetting
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, Fix, Severity

SETTING = "password_encryption"
# Network authentication methods that are weak: trust lets anyone in, password sends the
# password in clear text, md5 accepts (and keeps alive) MD5 hashes.
WEAK_METHODS = {"trust": Severity.ERROR, "password": Severity.WARNING, "md5": Severity.WARNING}
_METHOD_PROBLEM = {
    "trust": "lets anyone who reaches the server log in without a password",
    "password": "sends the password in clear text",
    "md5": "accepts MD5-hashed passwords, open to replay of a stolen hash",
}


def network_rules(rules: list[HbaRule]) -> list[HbaRule]:
    """pg_hba.conf lines for TCP connections from beyond this host with a weak method."""
    return [
        r
        for r in rules
        if r.error is None
        and r.type in HOST_RULE_TYPES
        and (r.auth_method or "") in WEAK_METHODS
        and not is_local_address(r.address)
    ]


class Md5Passwords(Check):
    id = "md5-passwords"
    category = "security"
    severity = Severity.WARNING
    title = "MD5 passwords and weak authentication"
    requires_sections = ("settings", "roles")
    docs = CheckDocs(
        problem="New passwords are hashed with MD5 (password_encryption = md5, for the server, "
        "the database or a role), login roles still have MD5-hashed passwords, or "
        "pg_hba.conf lets clients beyond this host in with md5, password (clear text) "
        "or trust. The stored passwords and pg_hba.conf are readable by superusers "
        "only; for other roles those parts are skipped.",
        why="An MD5 hash is enough to log in (it is what the md5 method exchanges), so a "
        "leaked pg_authid or backup is a set of working credentials; MD5 is also cheap to "
        "brute-force. PostgreSQL 18 deprecates MD5 passwords. trust needs no password "
        "at all, and password sends it unencrypted.",
        fix="SET password_encryption = 'scram-sha-256' (ALTER SYSTEM, and drop any database or "
        "role override), then re-set each MD5 password (ALTER ROLE ... PASSWORD, or "
        "\\password in psql) so that it is stored as SCRAM; change md5, password and "
        "trust to scram-sha-256 in pg_hba.conf and reload.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        setting = next((s for s in snapshot.settings if s.name == SETTING), None)
        if setting is not None and setting.setting == "md5":
            findings.append(
                self.finding(
                    setting_ref(SETTING),
                    f"{SETTING} is md5 (set in: {setting.source}): new and changed passwords are "
                    "stored as MD5 hashes",
                    evidence={SETTING: setting.setting, "source": setting.source},
                    recommendation="Hash passwords with SCRAM-SHA-256, then re-set the MD5 ones.",
                    fix=self.setting_fix(snapshot, setting.source),
                )
            )
        md5_stored = set()
        if snapshot.missing("role_passwords") is None:
            md5_stored = {p.name for p in snapshot.role_passwords if p.method == "md5"}
        for role in sorted(snapshot.roles, key=lambda r: r.name):
            overrides = f"{SETTING}=md5" in role.settings
            if role.name not in md5_stored and not overrides:
                continue
            problems = []
            fixes: list[Fix] = []
            if role.name in md5_stored:
                problems.append("its password is stored as an MD5 hash")
                fixes.append(ResetPassword(role.name))
            if overrides:
                problems.append(f"it sets {SETTING} = md5 for its sessions")
                fixes.append(ResetSetting(name=SETTING, role=role.name))
            findings.append(
                self.finding(
                    role_ref(role.name),
                    f"role {role.name}: {' and '.join(problems)}",
                    evidence={
                        "role": role.name,
                        "can_login": role.can_login,
                        "md5_password": role.name in md5_stored,
                        "role_sets_md5": overrides,
                    },
                    recommendation=f"Re-set {role.name}'s password with SCRAM-SHA-256 hashing "
                    "(and update the client's secret).",
                    fix=Steps(tuple(fixes)),
                )
            )
        if snapshot.missing("hba_rules") is None:
            for rule in network_rules(snapshot.hba_rules):
                method = rule.auth_method or ""
                findings.append(
                    self.finding(
                        hba_ref(rule.line_number),
                        f"pg_hba.conf line {rule.line_number}: {rule.type} "
                        f"{','.join(rule.database or [])} {','.join(rule.user_name or [])} "
                        f"{rule.address} uses {method}, which {_METHOD_PROBLEM[method]}",
                        severity=WEAK_METHODS[method],
                        evidence={
                            "line_number": rule.line_number,
                            "type": rule.type,
                            "database": list(rule.database or []),
                            "user_name": list(rule.user_name or []),
                            "address": rule.address,
                            "auth_method": method,
                        },
                        recommendation=f"Change line {rule.line_number} of pg_hba.conf to "
                        "scram-sha-256 (re-set MD5 passwords first) and reload.",
                    )
                )
        return findings

    @staticmethod
    def setting_fix(snapshot: Snapshot, source: str) -> Fix:
        """Undo password_encryption = md5 where it was set."""
        server = snapshot.server
        if source == "database":
            return ResetSetting(name=SETTING, database=server.database)
        if source == "user":
            return ResetSetting(name=SETTING, role=server.current_user)
        if source == "database user":
            return ResetSetting(name=SETTING, role=server.current_user, database=server.database)
        return SetSetting(name=SETTING, value="scram-sha-256")
