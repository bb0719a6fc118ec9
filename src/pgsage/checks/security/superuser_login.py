"""superuser-login: login roles, other than the cluster's own superuser, that are superusers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.security.refs import role_ref, split_list
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.roles import RemoveSuperuser
from pgsage.model import Finding, Severity


class SuperuserLogin(Check):
    id = "superuser-login"
    category = "security"
    severity = Severity.WARNING
    title = "Login role with superuser"
    requires_sections = ("roles",)
    params = (
        Param(
            "allowed_superusers",
            "postgres",
            "comma-separated login superusers that are expected: the bootstrap superuser "
            "that owns the cluster (postgres, unless initdb ran as another user) and "
            "managed-service administrator roles",
        ),
    )
    docs = CheckDocs(
        problem="A role that can log in is a superuser, and it is not the cluster's bootstrap "
        "superuser (the role initdb created, usually postgres — name it in "
        "`allowed_superusers` if yours differs).",
        why="A superuser bypasses every permission check and row-level security policy, can "
        "read and write files and run programs on the server (COPY ... PROGRAM), and can "
        "change any setting. An application or person logging in as one turns any SQL "
        "injection or leaked password into full control of the server and its host.",
        fix="ALTER ROLE ... NOSUPERUSER; and grant the application only what it needs "
        "(ownership of its schema, or table privileges; pg_monitor, pg_read_all_data, "
        "pg_signal_backend and the like for specific administrative needs). Keep "
        "superuser for the bootstrap role, used for administration only.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        allowed = set(split_list(str(params["allowed_superusers"])))
        findings = []
        for role in sorted(snapshot.roles, key=lambda r: r.name):
            if not (role.superuser and role.can_login) or role.name in allowed:
                continue
            ours = role.name == snapshot.server.current_user
            findings.append(
                self.finding(
                    role_ref(role.name),
                    f"login role {role.name} is a superuser"
                    + (" (pgsage is connected as it)" if ours else ""),
                    evidence={
                        "role": role.name,
                        "superuser": role.superuser,
                        "can_login": role.can_login,
                        "create_role": role.create_role,
                        "create_db": role.create_db,
                        "replication": role.replication,
                        "bypass_rls": role.bypass_rls,
                        "member_of": list(role.member_of),
                        "allowed_superusers": sorted(allowed),
                        "is_current_user": ours,
                    },
                    recommendation=f"Remove superuser from {role.name} and grant it only the "
                    "privileges it needs; if it is the cluster's bootstrap "
                    "superuser, add it to allowed_superusers.",
                    fix=RemoveSuperuser(role.name),
                )
            )
        return findings
