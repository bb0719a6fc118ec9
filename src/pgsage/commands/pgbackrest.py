"""pgBackRest as pgsage sees it: the stanzas' posture (``backup pgbackrest``) and a restore of the
latest backup proven by the integrity checks (``backup verify --pgbackrest``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pgsage.backup.pgbackrest import Stanza, amcheck, databases, read_info, restored
from pgsage.model import CheckResult, Finding, ObjectRef, Report, Severity, Status

HOUR = 3600.0


def stanza_findings(
    stanza: Stanza, now: float, full_max_hours: float = 7 * 24, any_max_hours: float = 26
) -> list[Finding]:
    ref = ObjectRef("stanza", "", stanza.name)

    def finding(severity: Severity, message: str, **evidence: float) -> Finding:
        return Finding("pgbackrest", "backup", severity, ref, message, evidence=dict(evidence))

    found = []
    if stanza.status_code != 0:
        found.append(finding(Severity.ERROR, f"stanza {stanza.name}: {stanza.status_message}"))
    full, latest = stanza.latest("full"), stanza.latest()
    if full is None:
        found.append(finding(Severity.ERROR, f"stanza {stanza.name} has no full backup"))
    elif (now - full.stopped) / HOUR > full_max_hours:
        age = (now - full.stopped) / HOUR
        found.append(
            finding(Severity.WARNING, f"the last full backup {full.label} is {age:.0f} h old",
                    age_hours=round(age, 1), max_hours=full_max_hours)
        )  # fmt: skip
    if latest is not None and (now - latest.stopped) / HOUR > any_max_hours:
        age = (now - latest.stopped) / HOUR
        found.append(
            finding(Severity.WARNING, f"the last backup {latest.label} ({latest.type}) is "
                    f"{age:.0f} h old", age_hours=round(age, 1), max_hours=any_max_hours)
        )  # fmt: skip
    found += [
        finding(Severity.WARNING, f"backup {b.label} ({b.type}) had errors (page checksums?)")
        for b in stanza.backups
        if b.error
    ]
    found += _continuity(stanza, finding)
    return found


def _continuity(stanza: Stanza, finding: Callable[[Severity, str], Finding]) -> list[Finding]:
    """Every backup's WAL must lie within the archive's range, or it cannot be restored."""
    lost = [
        b
        for b in stanza.backups
        if b.wal_start
        and b.wal_stop
        and stanza.wal_min
        and stanza.wal_max
        # segment names of one timeline compare as text; the range must cover the backup
        and not (stanza.wal_min[8:] <= b.wal_start[8:] and b.wal_stop[8:] <= stanza.wal_max[8:])
    ]
    missing = [] if stanza.wal_max or not stanza.backups else [stanza.backups[-1]]
    return [
        finding(Severity.ERROR, f"backup {b.label}: its WAL ({b.wal_start}..{b.wal_stop}) is not "
                f"within the archive ({stanza.wal_min}..{stanza.wal_max})")
        for b in lost
    ] + [finding(Severity.ERROR, f"stanza {stanza.name}: the WAL archive is empty") for _ in missing]  # fmt: skip


def info_report(stanza: str | None = None) -> Report:
    stanzas = read_info(stanza)
    now = time.time()
    results = tuple(
        CheckResult(
            f"pgbackrest:{s.name}",
            Status.FINDINGS if (found := tuple(stanza_findings(s, now))) else Status.OK,
            found,
        )
        for s in stanzas
    )
    return Report(server=None, results=results, command="backup pgbackrest")


def verify_stanza(stanza: str, bindir: Path | None = None, user: str = "postgres") -> Report:
    """Restore the latest backup, wait for recovery, run the integrity checks and pg_amcheck on
    every database of the copy, stop and remove it."""
    from pgsage.commands.backup import integrity_report

    del bindir  # the restored cluster runs on the binaries of the backup's major version
    found = read_info(stanza)
    if not found:
        from pgsage.errors import UsageError

        raise UsageError(f"pgbackrest knows no stanza {stanza!r}")
    started = time.perf_counter()
    results: list[CheckResult] = []
    with restored(found[0], user) as running:
        restore_s = time.perf_counter() - started
        for database in databases(running):
            report = integrity_report(running.dsn(database))
            results += [
                CheckResult(f"{r.check}:{database}", r.status, r.findings, r.reason, r.duration_ms)
                for r in report.results
            ]
        problem = amcheck(running)
    ref = ObjectRef("stanza", "", stanza)
    amcheck_findings = (
        (Finding("pg_amcheck", "backup", Severity.ERROR, ref, problem),) if problem else ()
    )
    results.append(
        CheckResult(
            "pg_amcheck", Status.FINDINGS if amcheck_findings else Status.OK, amcheck_findings
        )
    )
    return Report(
        server=None,
        results=tuple(results),
        command="backup verify --pgbackrest",
        stats={"restore_ms": round(restore_s * 1000)},
        notes=(f"stanza {stanza}: latest backup restored and recovered in {restore_s:.1f} s",),
    )
