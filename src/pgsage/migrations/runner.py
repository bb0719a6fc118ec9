"""Running one revision's upgrade() or downgrade() on a connection pgsage opened itself.

The project's env.py is bypassed on purpose (see :mod:`project`): a MigrationContext is set up on
our connection to a scratch database and the revision function is called inside Alembic's own
transaction handling, so ``op.*``, ``op.get_bind()`` and ``op.get_context().autocommit_block()``
behave as under ``alembic upgrade``. No alembic_version row is written: pgsage tracks the state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import QueuePool

from pgsage.migrations.graph import Revision


class StepFailed(Exception):
    """A revision function raised; the message is one line, for a finding."""

    def __init__(self, revision: str, direction: str, message: str) -> None:
        super().__init__(f"{direction} of {revision} failed: {message}")
        self.revision = revision
        self.direction = direction
        self.reason = message


def engine_for(dsn: str) -> Engine:
    """A SQLAlchemy engine on a scratch database: one pooled connection reused step after step
    (a connection per step costs more than the step); dispose() closes it before the DROP."""

    def connect() -> Any:
        return psycopg.connect(dsn, application_name="pgsage-migrations")

    return create_engine(
        "postgresql+psycopg://", creator=connect, poolclass=QueuePool, pool_size=1, max_overflow=4
    )


def short_error(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    text = str(original if original is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{type(original or exc).__name__}: {first}"


def run_step(
    conn: Connection,
    revision: Revision,
    direction: str,
    opts: dict[str, Any] | None = None,
    on_context: Callable[[MigrationContext], None] | None = None,
) -> None:
    """Run ``revision.module.<direction>()`` in a transaction of its own on ``conn``."""
    function = getattr(revision.module, direction, None)
    if not callable(function):
        raise StepFailed(revision.id, direction, f"the revision has no {direction}()")
    context = MigrationContext.configure(connection=conn, opts=dict(opts or {}))
    if on_context is not None:
        on_context(context)
    try:
        with Operations.context(context), context.begin_transaction():
            function()
    except BaseException as exc:  # revision code is user code
        if isinstance(exc, KeyboardInterrupt):
            raise
        if conn.in_transaction():
            conn.rollback()
        raise StepFailed(revision.id, direction, short_error(exc)) from None
    if conn.in_transaction():
        conn.commit()
