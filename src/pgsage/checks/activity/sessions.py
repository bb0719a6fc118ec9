"""What activity checks share: session ages, references, evidence and the SQL they suggest."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import datetime

from pgsage.db.rows import Session
from pgsage.fixes.server import EndSession
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.steps import Comment, CommentedOut
from pgsage.model import Fix, ObjectRef, Severity

CLIENT_BACKEND = "client backend"
IDLE_IN_TRANSACTION = ("idle in transaction", "idle in transaction (aborted)")
QUERY_PREVIEW_CHARS = 200
VISIBILITY_NOTE = (
    " Other roles' sessions are only visible to superusers and members of "
    "pg_monitor or pg_read_all_stats; without them only the auditing role's own "
    "sessions are judged."
)


def seconds_since(now: datetime, then: datetime | None) -> float | None:
    """Seconds from ``then`` to the snapshot's ``now``; None when the moment is unknown."""
    if then is None:
        return None
    return max((now - then).total_seconds(), 0.0)


def human_duration(seconds: float) -> str:
    """'42 s', '12.5 min', '3.2 h' — the unit that keeps the number readable."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def client_sessions(sessions: list[Session]) -> list[Session]:
    """Sessions of applications and users (not walsenders, autovacuum or parallel workers)."""
    return sorted((s for s in sessions if s.backend_type == CLIENT_BACKEND), key=lambda s: s.pid)


def sessions_older_than(
    sessions: list[Session],
    now: datetime,
    moment: Callable[[Session], datetime | None],
    minimum: float,
    states: Collection[str] | None = None,
) -> list[tuple[Session, float]]:
    """Client sessions (in one of ``states``, when given) whose ``moment`` — query start,
    transaction start, last state change — lies at least ``minimum`` seconds before ``now``,
    each with that age in seconds. A session whose moment is unknown is never reported."""
    found = []
    for session in client_sessions(sessions):
        if states is not None and session.state not in states:
            continue
        age = seconds_since(now, moment(session))
        if age is not None and age >= minimum:
            found.append((session, age))
    return found


def age_severity(age: float, error_seconds: float) -> Severity | None:
    """ERROR from ``error_seconds`` on; None keeps the check's own severity."""
    return Severity.ERROR if age >= error_seconds else None


def session_ref(session: Session) -> ObjectRef:
    return ObjectRef("session", "", f"pid {session.pid}")


def preview(query: str | None) -> str:
    """The query on one line, cut to a readable length."""
    if not query:
        return ""
    text = re.sub(r"\s+", " ", query).strip()
    if len(text) <= QUERY_PREVIEW_CHARS:
        return text
    return text[: QUERY_PREVIEW_CHARS - 1] + "…"


def describe(session: Session) -> str:
    """'pid 123 (app_user@shop, app "api")' for messages."""
    who = f"{session.username or '?'}@{session.database or '?'}"
    app = f', app "{session.application_name}"' if session.application_name else ""
    return f"pid {session.pid} ({who}{app})"


def session_evidence(session: Session, now: datetime) -> dict[str, int | float | str | None]:
    xact_age = seconds_since(now, session.xact_start)
    return {
        "pid": session.pid,
        "database": session.database,
        "user": session.username,
        "application": session.application_name or "",
        "client_addr": session.client_addr,
        "state": session.state,
        "xact_age_seconds": None if xact_age is None else round(xact_age, 1),
        "query": preview(session.query),
    }


def end_session_suggestion(session: Session, cancel: bool = False) -> list[Fix]:
    """The kill command as a commented-out suggestion: ending a session is a human decision."""
    effect = (
        "only the running statement is cancelled" if cancel else "its open transaction rolls back"
    )
    return [
        Comment(f"Only if you are sure the session may be ended ({effect}):"),
        CommentedOut(EndSession(session.pid, cancel=cancel)),
    ]


def role_setting_fix(session: Session, name: str, value: str) -> SetSetting:
    """ALTER ROLE ... IN DATABASE ... SET for the session's role and database, as far as known
    (ALTER SYSTEM when neither is)."""
    return SetSetting(
        name=name, value=value, role=session.username or None, database=session.database or None
    )
