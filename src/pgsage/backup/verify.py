"""``backup verify``: restore a dump into a throwaway database and compare it with its manifest.

The checksums first (a damaged dump is not restored), then pg_restore into a scratch database,
the facts of the restored copy against the manifest's, and the audit's integrity checks on it.
The restore time (the real RTO) and the verdict are written into the manifest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from pgsage.backup.facts import compare, read_facts
from pgsage.backup.manifest import (
    MANIFEST_SUFFIX,
    Backup,
    BackupFailed,
    Facts,
    Verification,
    checksums,
    list_backups,
    load_manifest,
    manifest_path,
    save_manifest,
)
from pgsage.backup.tools import choose_client, libpq_target, run_tool
from pgsage.db.connect import SessionOptions, connect, redact, translate
from pgsage.errors import UsageError
from pgsage.migrations.scratch import ScratchServer
from pgsage.model import CheckResult, Finding, ObjectRef, Report, Severity, Status

INTEGRITY_CHECKS = ("invalid-index", "not-valid-constraint")
_BROKEN = (Status.ERROR, Status.TIMEOUT)
Integrity = Callable[[str], Report]  # a DSN -> the integrity checks' report on it


@dataclass(frozen=True)
class VerifyOptions:
    dump: Path | None = None
    latest: Path | None = None  # a backup directory: verify its newest backup
    scratch_dsn: str | None = None  # None: the embedded server
    jobs: int = 1
    bindir: Path | None = None


@dataclass(frozen=True)
class VerifyResult:
    backup: Backup
    verification: Verification
    integrity: tuple[CheckResult, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verification.verdict == "ok"

    def report(self) -> Report:
        ref = ObjectRef("backup", "", self.backup.manifest.dump)
        findings = tuple(
            Finding("backup-restore", "backup", Severity.ERROR, ref, line)
            for line in self.verification.mismatches
        )
        restore = CheckResult(
            "backup-restore",
            Status.FINDINGS if findings else Status.OK,
            findings,
            duration_ms=self.verification.restore_seconds * 1000,
        )
        v = self.verification
        return Report(
            server=None,
            results=(restore, *self.integrity),
            command="backup verify",
            stats={
                "tables": len(self.backup.manifest.facts.tables),
                "restore_ms": round(v.restore_seconds * 1000),
            },
            notes=(
                f"{self.backup.dump.name}: {v.verdict}, restored in {v.restore_seconds:.1f} s "
                f"into {v.target}",
            ),
        )


def find_backup(options: VerifyOptions) -> Backup:
    if (options.dump is None) == (options.latest is None):
        raise UsageError("give a dump to verify or --latest DIR (one of them)")
    if options.latest is not None:
        backups = list_backups(options.latest)
        if not backups:
            raise UsageError(f"no complete backup (with a manifest) in {options.latest}")
        return backups[-1]
    assert options.dump is not None
    dump = options.dump
    path = dump if dump.name.endswith(MANIFEST_SUFFIX) else manifest_path(dump)
    if not path.is_file():
        raise UsageError(f"no manifest beside {dump} ({path.name}): not a complete pgsage backup")
    return Backup(path, load_manifest(path))


def verify_backup(
    options: VerifyOptions,
    integrity: Integrity,
    after_restore: Callable[[str], object] | None = None,
) -> VerifyResult:
    """``after_restore`` is called with the restored copy's DSN before it is compared (tests
    damage the copy there, to prove that a difference is found)."""
    backup = find_backup(options)
    damaged = _checksum_mismatches(backup)
    if damaged:
        return _record(backup, Verification(datetime.now(UTC), "failed", 0.0, "-", damaged))
    scratch = ScratchServer.choose(options.scratch_dsn)
    with scratch.database("verify") as dsn:
        started = time.perf_counter()
        try:
            _restore(backup, dsn, options, scratch.major_version())
        except BackupFailed as exc:
            elapsed = time.perf_counter() - started
            return _record(
                backup, Verification(datetime.now(UTC), "failed", elapsed, redact(dsn), [str(exc)])
            )
        elapsed = time.perf_counter() - started
        if after_restore is not None:
            after_restore(dsn)
        mismatches = compare(backup.manifest.facts, restored_facts(dsn))
        checked = integrity(dsn)
    verification = Verification(
        datetime.now(UTC),
        _verdict(mismatches, checked),
        elapsed,
        redact(dsn),
        mismatches,
        _integrity_lines(checked),
    )
    return _record(backup, verification, checked.results)


def _integrity_lines(checked: Report) -> list[str]:
    lines = [
        f"{f.severity.value} {f.check}: {f.message}" for r in checked.results for f in r.findings
    ]
    return lines + [f"error {r.check}: {r.reason}" for r in checked.results if r.status in _BROKEN]


def _verdict(mismatches: list[str], checked: Report) -> str:
    """Failed on a mismatch, an error finding (an INVALID index in a fresh restore) or a check
    that could not run; a warning (a NOT VALID constraint, restored as the source had it) is
    reported but proves nothing wrong with the backup."""
    errors = any(f.severity is Severity.ERROR for r in checked.results for f in r.findings) or any(
        r.status in _BROKEN for r in checked.results
    )
    return "failed" if mismatches or errors else "ok"


def _checksum_mismatches(backup: Backup) -> list[str]:
    dump = backup.dump
    if not dump.exists():
        return [f"the dump {dump.name} is missing"]
    try:
        found = checksums(dump)
    except OSError as exc:
        return [f"cannot read the dump {dump.name}: {exc.strerror or exc}"]
    lines = []
    for name, expected in sorted(backup.manifest.files.items()):
        got = found.get(name)
        if got is None:
            lines.append(f"file {name}: missing")
        elif got != expected:
            lines.append(
                f"file {name}: damaged (SHA-256 or size differs: {got.size} bytes, "
                f"the manifest says {expected.size})"
            )
    return lines


def _restore(backup: Backup, dsn: str, options: VerifyOptions, target_major: int) -> None:
    major = backup.manifest.pg_dump_version.split(")")[-1].strip().split(".")[0]
    client = choose_client(int(major) if major.isdigit() else 0, options.bindir, target_major)
    target, env = libpq_target(dsn)
    args = [
        str(client.tool("pg_restore")),
        "--no-owner",
        "--no-acl",
        "--exit-on-error",
        "--no-password",
        *([f"--jobs={options.jobs}"] if options.jobs > 1 else []),
        f"--dbname={target}",
        str(backup.dump),
    ]
    run_tool(args, env, "pg_restore")


def restored_facts(dsn: str) -> Facts:
    with connect(
        dsn, SessionOptions(statement_timeout_ms=0, application_name="pgsage-verify")
    ) as conn:
        conn.autocommit = False
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        try:
            with conn.transaction():
                return read_facts(conn)
        except psycopg.Error as exc:
            raise translate(exc) from None


def _record(
    backup: Backup, verification: Verification, integrity: tuple[CheckResult, ...] = ()
) -> VerifyResult:
    """Append the verification to the manifest as it is on disk now (atomically)."""
    current = load_manifest(backup.manifest_file)
    updated = replace(current, verifications=[*current.verifications, verification])
    save_manifest(backup.manifest_file, updated)
    return VerifyResult(Backup(backup.manifest_file, updated), verification, integrity)
