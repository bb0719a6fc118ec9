"""not-valid-constraint: a CHECK or FOREIGN KEY added NOT VALID and never validated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.constraint import ValidateConstraint
from pgsage.model import Finding, ObjectRef, Severity

KINDS = {"c": "CHECK", "f": "FOREIGN KEY"}
NOT_ENFORCED = "NOT ENFORCED"


class NotValidConstraint(Check):
    id = "not-valid-constraint"
    category = "schema"
    severity = Severity.WARNING
    title = "Constraint left NOT VALID"
    requires_sections = ("constraints", "tables")
    docs = CheckDocs(
        problem="A CHECK or FOREIGN KEY constraint was added with NOT VALID (the safe way to "
        "add it to a big table) and the second step, VALIDATE CONSTRAINT, never ran.",
        why="New and updated rows are checked, but existing rows are not known to satisfy it: "
        "the data may already violate it, and the planner cannot use a NOT VALID CHECK "
        "constraint for partition pruning or constraint exclusion, nor does SET NOT NULL "
        "skip its scan on an unvalidated IS NOT NULL check.",
        fix="ALTER TABLE ... VALIDATE CONSTRAINT ...; it scans the table under SHARE UPDATE "
        "EXCLUSIVE (reads and writes continue; a foreign key also takes ROW SHARE on the "
        "referenced table). Fix violating rows first if it fails.",
        alembic="op.execute('ALTER TABLE ... VALIDATE CONSTRAINT ...') in a migration after "
        "the one that added it with postgresql_not_valid=True.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        unvalidated = [c for c in snapshot.constraints if not c.validated and c.type in KINDS]
        for con in sorted(unvalidated, key=lambda c: (c.schema, c.table, c.name)):
            if NOT_ENFORCED in con.definition.upper():
                continue  # PostgreSQL 18's NOT ENFORCED: never validated, by design
            table = snapshot.table(con.schema, con.table)
            kind = KINDS[con.type]
            references = (
                f"{con.ref_schema}.{con.ref_table}({', '.join(con.ref_columns)})"
                if con.type == "f"
                else None
            )
            findings.append(
                self.finding(
                    ObjectRef("constraint", con.schema, con.name, con.table),
                    f"{kind} constraint {con.name} on {con.schema}.{con.table} is NOT VALID: "
                    f"existing rows were never checked",
                    evidence={
                        "type": kind,
                        "definition": con.definition,
                        "columns": ", ".join(con.columns) or None,
                        "references": references,
                        "table_rows": int(table.estimated_rows) if table else None,
                        "table_bytes": table.table_bytes if table else None,
                    },
                    recommendation=f"Validate {con.name}: it scans {con.table} without blocking "
                    "reads or writes.",
                    fix=ValidateConstraint(con.schema, con.table, con.name),
                )
            )
        return findings
