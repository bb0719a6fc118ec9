"""``pgsage checklist``: seed 003's production checklist as one Report, one CheckResult a line.

A line passes (``ok``; its ``reason`` holds the evidence), fails (``findings``: one finding
with the evidence and, where there is one, the fix) or is skipped with the reason (its input
was not given). The database lines reuse the audit's checks (invalid-index,
unique-index-duplicates-constraint, stale-statistics): a check exists once.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pgsage.errors import UsageError
from pgsage.model import CheckResult, Finding, Fix, Report, Severity, Status
from pgsage.settings import Settings

if TYPE_CHECKING:
    from pgsage.db.snapshot import Snapshot
    from pgsage.migrations.project import AlembicProject

__all__ = ["ChecklistRequest", "checklist"]

COMMAND = "checklist"
LONG_TRANSACTION_LIMIT_S = 300.0  # seed 003: alert on transactions longer than 5 minutes
BACKUP_SUFFIXES = (".dump", ".backup", ".sql", ".sql.gz", ".tar", ".pgdump")
LONG_TX_EXPR = re.compile(
    r"expr:\s*[\"']?\s*(\w*(?:oldest_transaction|max_tx_duration|xact)\w*)[^>]*>\s*([0-9.]+)"
)
DB_CHECKS = (
    ("no-invalid-indexes", "invalid-index", "no INVALID index"),
    (
        "unique-not-duplicated",
        "unique-index-duplicates-constraint",
        "no unique index duplicates a unique constraint",
    ),
    ("statistics-fresh", "stale-statistics", "planner statistics are fresh after loads"),
)
Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


@dataclass(frozen=True)
class ChecklistRequest:
    alembic: Path | None = None
    backup_dir: Path | None = None
    rules: Path | None = None  # a Prometheus rules file (pgsage monitoring rules)
    scratch_dsn: str | None = None  # server for the autogenerate (drift) check's scratch database
    extensions: tuple[str, ...] = ("pg_stat_statements",)
    backup_max_age_hours: float = 24.0


def _passed(line: str, evidence: str) -> CheckResult:
    return CheckResult(line, Status.OK, reason=evidence)


def _failed(
    line: str,
    message: str,
    evidence: dict[str, str | int | float | bool | list[str] | None],
    fix: Fix | None = None,
) -> CheckResult:
    finding = Finding(
        check=line,
        category=COMMAND,
        severity=Severity.ERROR,
        object=None,
        message=message,
        evidence=evidence,
        fix=fix,
    )
    return CheckResult(line, Status.FINDINGS, (finding,))


def _skipped(line: str, reason: str) -> CheckResult:
    return CheckResult(line, Status.SKIPPED, reason=reason)


def _validate(request: ChecklistRequest) -> None:
    if request.alembic is not None and not request.alembic.exists():
        raise UsageError(f"--alembic: no such file or directory: {request.alembic}")
    if request.backup_dir is not None and not request.backup_dir.is_dir():
        raise UsageError(f"--backup-dir: not a directory: {request.backup_dir}")
    if request.rules is not None and not request.rules.is_file():
        raise UsageError(f"--rules: no such file: {request.rules}")


def checklist(settings: Settings, request: ChecklistRequest, progress: Progress = _quiet) -> Report:
    _validate(request)
    snapshot = None
    if settings.dsn:
        from pgsage.commands.audit import take_snapshot

        progress("reading the database")
        snapshot = take_snapshot(settings)
    lines = [_extensions(snapshot, request.extensions)]
    lines += _alembic_lines(settings, request, progress)
    lines += _database_lines(snapshot, settings)
    lines.append(_long_transaction_alert(request.rules))
    lines.append(_backup(request))
    return Report(None, tuple(lines), command=COMMAND)


# -- extensions and database lines ------------------------------------------------------------

NO_DSN = "no database given (--dsn or DATABASE_URL)"


def _extensions(snapshot: Snapshot | None, wanted: tuple[str, ...]) -> CheckResult:
    line = "extensions"
    if snapshot is None:
        return _skipped(line, NO_DSN)
    from pgsage.fixes.server import CreateExtension
    from pgsage.fixes.steps import Steps

    installed = snapshot.server.installed_extensions
    missing = [name for name in wanted if name not in installed]
    if not missing:
        return _passed(line, ", ".join(f"{n} {installed[n]}" for n in wanted) + " installed")
    return _failed(
        line,
        f"extension(s) not installed: {', '.join(missing)}",
        {"missing": missing, "installed": sorted(installed)},
        Steps(tuple(CreateExtension(name) for name in missing)),
    )


def _database_lines(snapshot: Snapshot | None, settings: Settings) -> list[CheckResult]:
    if snapshot is None:
        return [_skipped(line, NO_DSN) for line, _check, _what in DB_CHECKS]
    from pgsage.checks.base import Check
    from pgsage.checks.runner import run_checks

    checks = [Check.registry[check] for _line, check, _what in DB_CHECKS]
    results = {r.check: r for r in run_checks(snapshot, checks, settings.checks).results}
    return [_from_check(line, results[check], what) for line, check, what in DB_CHECKS]


def _from_check(line: str, result: CheckResult, what: str) -> CheckResult:
    if result.status is Status.OK:
        return _passed(line, f"{what} (check {result.check})")
    if result.status is Status.FINDINGS:
        findings = tuple(
            Finding(
                check=line,
                category=COMMAND,
                severity=Severity.ERROR,
                object=f.object,
                message=f.message,
                evidence=f.evidence,
                recommendation=f.recommendation,
                fix=f.fix,
            )
            for f in result.findings
        )
        return CheckResult(line, Status.FINDINGS, findings)
    return CheckResult(line, result.status, reason=f"check {result.check}: {result.reason}")


# -- Alembic ------------------------------------------------------------------------------------

NO_ALEMBIC = "no Alembic project given (--alembic)"


def _alembic_lines(
    settings: Settings, request: ChecklistRequest, progress: Progress
) -> list[CheckResult]:
    names = ("one-alembic-head", "database-at-head", "autogenerate-noop")
    if request.alembic is None:
        return [_skipped(line, NO_ALEMBIC) for line in names]
    from pgsage.commands.report import alembic_project
    from pgsage.migrations.graph import load_graph

    project = alembic_project(request.alembic)
    heads = sorted(load_graph(project).heads)
    if len(heads) == 1:
        one_head = _passed("one-alembic-head", f"one head: {heads[0]}")
    else:
        one_head = _failed(
            "one-alembic-head",
            f"{len(heads)} heads: {', '.join(heads) or 'none'} (merge them: alembic merge heads)",
            {"heads": heads},
        )
    return [one_head, _at_head(settings, heads), _noop(project, request, len(heads), progress)]


def _at_head(settings: Settings, heads: list[str]) -> CheckResult:
    line = "database-at-head"
    if not settings.dsn:
        return _skipped(line, NO_DSN)
    from pgsage.commands.audit import session_options
    from pgsage.db.connect import connect

    with connect(settings.dsn, session_options(settings)) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_catalog.pg_class WHERE relname = 'alembic_version' AND relkind = 'r'"
        ).fetchone()
        current = (
            sorted(str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version"))
            if found
            else []
        )
    if current and current == heads:
        return _passed(line, f"alembic_version is {', '.join(current)} = the head")
    return _failed(
        line,
        f"the database is at {', '.join(current) or 'no revision (no alembic_version)'}, "
        f"the project's head is {', '.join(heads) or 'none'}: run alembic upgrade head",
        {"current": current, "heads": heads},
    )


def _noop(
    project: AlembicProject, request: ChecklistRequest, heads: int, progress: Progress
) -> CheckResult:
    line = "autogenerate-noop"
    if heads != 1:
        return _skipped(line, "the revision graph has no single head")
    from pgsage.commands.migrations import CheckOptions, check_project

    progress("upgrading a scratch database and comparing it with the models")
    options = CheckOptions(dsn=request.scratch_dsn, roundtrip=False)
    stages = {r.check: r for r in check_project(project, options, progress).results}
    drift = stages.get("drift")
    if drift is None:
        return _skipped(line, "the drift stage did not run")
    if drift.status is Status.OK:
        return _passed(line, "the migrated schema matches the models (autogenerate is a no-op)")
    if drift.status is Status.FINDINGS:
        return CheckResult(line, Status.FINDINGS, drift.findings)
    return CheckResult(line, drift.status, reason=f"drift: {drift.reason}")


# -- monitoring and backups ---------------------------------------------------------------------


def _long_transaction_alert(rules: Path | None) -> CheckResult:
    line = "long-transaction-alert"
    if rules is None:
        return _skipped(
            line,
            "no Prometheus rules file given (--rules): `pgsage monitoring rules` writes one "
            "with PostgresLongTransaction at 5 minutes",
        )
    text = rules.read_text(encoding="utf-8", errors="replace")
    limits = sorted(float(m.group(2)) for m in LONG_TX_EXPR.finditer(text))
    if limits and limits[0] <= LONG_TRANSACTION_LIMIT_S:
        return _passed(line, f"{rules.name}: alert on transactions older than {limits[0]:g} s")
    return _failed(
        line,
        f"{rules.name} has no alert on transactions older than "
        f"{LONG_TRANSACTION_LIMIT_S:g} s (seed 003: 5 minutes)",
        {"file": str(rules), "thresholds_s": [f"{x:g}" for x in limits]},
    )


def _backup_files(directory: Path) -> list[Path]:
    files = [p for p in directory.iterdir() if p.is_file() and p.name.endswith(BACKUP_SUFFIXES)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _backup(request: ChecklistRequest) -> CheckResult:
    line = "recent-verified-backup"
    if request.backup_dir is None:
        return _skipped(line, "no backup directory given (--backup-dir)")
    files = _backup_files(request.backup_dir)
    if not files:
        return _failed(
            line, f"no backup in {request.backup_dir}", {"directory": str(request.backup_dir)}
        )
    newest = files[-1]
    age_hours = (time.time() - newest.stat().st_mtime) / 3600
    evidence: dict[str, str | int | float | bool | list[str] | None] = {
        "file": newest.name,
        "age_hours": round(age_hours, 1),
        "bytes": newest.stat().st_size,
    }
    if age_hours > request.backup_max_age_hours:
        return _failed(
            line,
            f"the newest backup, {newest.name}, is {age_hours:.1f} h old "
            f"(limit {request.backup_max_age_hours:g} h)",
            evidence,
        )
    verified, how = verify_backup(newest)
    if not verified:
        return _failed(line, f"{newest.name} could not be read back: {how}", evidence)
    return _passed(line, f"{newest.name}, {age_hours:.1f} h old, {how}")


def verify_backup(path: Path) -> tuple[bool, str]:
    """Read the backup back: ``pg_restore --list`` for an archive, the end marker of pg_dump
    for a plain SQL file."""
    if path.name.endswith(".sql"):
        tail = path.read_bytes()[-4096:].decode("utf-8", errors="replace")
        if "PostgreSQL database dump complete" in tail:
            return True, "a complete pg_dump SQL file"
        return False, "no 'PostgreSQL database dump complete' at its end"
    if path.name.endswith(".gz"):
        return True, "compressed SQL (not read back)"
    return _pg_restore_list(path)


def _pg_restore_list(path: Path) -> tuple[bool, str]:
    from pgsage.db.embedded import embedded_bindir

    bindir = embedded_bindir()
    if bindir is None:
        return False, "no pg_restore found to read it back"
    try:
        done = subprocess.run(
            [str(bindir / "pg_restore"), "--list", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"pg_restore --list could not run: {exc}"
    if done.returncode != 0:
        return False, (done.stderr.strip().splitlines() or ["pg_restore --list failed"])[-1]
    entries = sum(1 for line in done.stdout.splitlines() if line and not line.startswith(";"))
    return True, f"pg_restore --list reads {entries} entries"
