"""public-schema-create: every role (PUBLIC) may create objects in a schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.roles import RevokeSchemaCreate
from pgsage.model import Finding, ObjectRef, Severity


class PublicSchemaCreate(Check):
    id = "public-schema-create"
    category = "security"
    severity = Severity.WARNING
    title = "PUBLIC may create in a schema"
    requires_sections = ("schemas",)
    docs = CheckDocs(
        problem="PUBLIC — every role, including ones created later — holds CREATE on a schema. "
        "PostgreSQL 13 and 14 grant it on `public` by default; 15 revoked it, but "
        "databases upgraded from older versions (pg_upgrade, dump and restore) keep "
        "the old grant.",
        why="Any role that can connect can create functions, operators and tables there. A "
        "function or operator placed in a schema on other users' search_path can "
        "capture their calls and run with their privileges (CVE-2018-1058), and tables "
        "can be created to fill the disk.",
        fix="REVOKE CREATE ON SCHEMA ... FROM PUBLIC; and grant CREATE to the roles that own "
        "the application's objects (or make them own the schema).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for schema in sorted(snapshot.schemas, key=lambda s: s.name):
            if not schema.public_create:
                continue
            findings.append(
                self.finding(
                    ObjectRef("schema", "", schema.name),
                    f"every role (PUBLIC) may create objects in schema {schema.name}",
                    evidence={
                        "schema": schema.name,
                        "owner": schema.owner,
                        "server_version": snapshot.server.version_num,
                    },
                    recommendation=f"Revoke CREATE on {schema.name} from PUBLIC and grant it to "
                    "the roles that own your objects.",
                    fix=RevokeSchemaCreate(schema.name),
                )
            )
        return findings
