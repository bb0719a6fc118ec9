"""``vector tune``: measured recall and latency of pgvector indexes per query-time setting.

Read-only: one session with pgsage's safety settings (default_transaction_read_only, timeouts);
every measurement runs in a READ ONLY transaction with SET LOCAL settings.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from pgsage.commands.audit import resolve_dsn, session_options
from pgsage.db.connect import connect, translate
from pgsage.errors import UsageError
from pgsage.settings import Settings
from pgsage.vector import record
from pgsage.vector.catalog import OPERATOR_NAMES
from pgsage.vector.model import TuneResult
from pgsage.vector.tune import TuneOptions
from pgsage.vector.tune import tune as run_tune

__all__ = ["TuneOptions", "record_text", "tune"]


def tune(settings: Settings, options: TuneOptions) -> TuneResult:
    if options.k < 1 or options.k > 1000:
        raise UsageError("--k must be between 1 and 1000")
    if not 0.0 < options.target <= 1.0:
        raise UsageError("--target must be in (0, 1]")
    if options.sample < 1:
        raise UsageError("--sample must be at least 1")
    if options.operator is not None and options.operator not in OPERATOR_NAMES:
        raise UsageError(f"--operator: one of {', '.join(OPERATOR_NAMES)}")
    if options.column is not None and options.table is None:
        raise UsageError("--column needs --table")
    session = replace(
        session_options(settings),
        statement_timeout_ms=max(settings.statement_timeout_ms, int(options.time_budget_s * 1000)),
    )
    with connect(resolve_dsn(settings), session) as conn:
        try:
            result = run_tune(conn, options)
        except psycopg.Error as exc:  # a --filter that does not parse, a timeout: one line
            raise translate(exc) from None
    return replace(result, measured_at=datetime.now(UTC).isoformat(timespec="seconds"))


def record_text(result: TuneResult, path: Path) -> str:
    """The record file's new text with this tune's measurements merged in."""
    try:
        return record.merge(path, record.entries(result.to_dict()))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the record {path}: {exc}") from None
