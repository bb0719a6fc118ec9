"""The check contract: metadata, named thresholds and a pure ``evaluate``.

A check is one small module with one subclass of ``Check``; defining the class registers it.
The runner builds each check with the run's AuditContext (``self.context``: the views several
checks share) and calls ``evaluate`` with the snapshot and the check's parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from pgsage.checks.context import AuditContext
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Fix, ObjectRef, Severity

# What pg_stat_statements shows instead of another role's text to a role without
# pg_read_all_stats.
HIDDEN_TEXT = "<insufficient privilege>"


def hidden_statement_texts(snapshot: Snapshot) -> tuple[int, int]:
    """(statements whose text is hidden from the auditing role, statements read)."""
    hidden = sum(1 for s in snapshot.statements if s.query == HIDDEN_TEXT)
    return hidden, len(snapshot.statements)


def _grant_all_stats(snapshot: Snapshot) -> str:
    from pgsage.fixes.quoting import ident

    return f"GRANT pg_read_all_stats TO {ident(snapshot.server.current_user)};"


class CheckSkipped(Exception):
    """Raised by ``evaluate`` when the check cannot judge (not configured); ``str()`` says why."""


@dataclass(frozen=True)
class Param:
    """A named threshold with its default and what it means."""

    name: str
    default: int | float | str | bool
    description: str


@dataclass(frozen=True)
class CheckDocs:
    problem: str
    why: str
    fix: str
    alembic: str = ""


class Check:
    id: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[Severity]
    title: ClassVar[str]
    docs: ClassVar[CheckDocs]
    params: ClassVar[tuple[Param, ...]] = ()
    min_server_version: ClassVar[int] = 130000
    requires_extensions: ClassVar[tuple[str, ...]] = ()
    # Snapshot sections the check reads; a section that failed to collect skips the check.
    requires_sections: ClassVar[tuple[str, ...]] = ()
    # Whether the check reads other roles' activity or replication state, which a role
    # without pg_read_all_stats (or pg_monitor) sees as NULL — not as an error, so it must
    # not pass for "nothing found": such a check is skipped with the GRANT that fixes it.
    requires_all_stats: ClassVar[bool] = False
    # Whether the check judges from the workload's statement texts (pg_stat_statements), which
    # a role without pg_read_all_stats sees as <insufficient privilege> for other roles' rows:
    # with none readable it is skipped with the GRANT; with some, it judges those and says so.
    reads_query_texts: ClassVar[bool] = False

    @classmethod
    def unreadable(cls, snapshot: Snapshot) -> str | None:
        """Why the check's data cannot be trusted for lack of a privilege (naming the GRANT
        that fixes it), or None. Checks whose rows carry their own readability override it."""
        if cls.requires_all_stats and not snapshot.server.can_read_all_stats:
            user = snapshot.server.current_user
            return (
                f"other roles' sessions are hidden from {user} (read as NULL); "
                f"{_grant_all_stats(snapshot)}"
            )
        if cls.reads_query_texts:
            hidden, total = hidden_statement_texts(snapshot)
            if total and hidden == total:
                return (
                    f"the {total} pg_stat_statements texts are other roles' and hidden from "
                    f"{snapshot.server.current_user} (<insufficient privilege>); "
                    f"{_grant_all_stats(snapshot)}"
                )
        return None

    @classmethod
    def partly_read(cls, snapshot: Snapshot) -> str | None:
        """What part of the check's input it could not read (the rest it judged), or None."""
        if not cls.reads_query_texts:
            return None
        hidden, total = hidden_statement_texts(snapshot)
        if not 0 < hidden < total:
            return None
        return (
            f"judged {total - hidden} of {total} pg_stat_statements texts; {hidden} of other "
            f"roles are hidden from {snapshot.server.current_user} (<insufficient privilege>): "
            f"{_grant_all_stats(snapshot)}"
        )

    registry: ClassVar[dict[str, type[Check]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "id" not in cls.__dict__:
            return  # an abstract intermediate class
        if cls.id in Check.registry:
            raise TypeError(f"duplicate check id {cls.id!r}")
        Check.registry[cls.id] = cls

    def __init__(self, context: AuditContext) -> None:
        self.context = context

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        raise NotImplementedError

    # -- helpers for subclasses -------------------------------------------------------
    def finding(
        self,
        obj: ObjectRef,
        message: str,
        *,
        severity: Severity | None = None,
        evidence: Mapping[str, Any] | None = None,
        recommendation: str = "",
        fix: Fix | None = None,
    ) -> Finding:
        return Finding(
            check=self.id,
            category=self.category,
            severity=severity or self.severity,
            object=obj,
            message=message,
            evidence=dict(evidence or {}),
            recommendation=recommendation,
            fix=fix,
        )

    @classmethod
    def default_params(cls) -> dict[str, Any]:
        """A new dict each call (the runner fills it with overrides)."""
        found = _DEFAULTS.get(cls)
        if found is None:
            found = _DEFAULTS[cls] = MappingProxyType({p.name: p.default for p in cls.params})
        return dict(found)


# Each check's parameter defaults, made once per process.
_DEFAULTS: dict[type[Check], Mapping[str, Any]] = {}
