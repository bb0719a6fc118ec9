"""``backup run``: pg_dump in the snapshot the manifest's facts were read in, written atomically.

The dump goes to a hidden ``.NAME.partial`` first; it is renamed when pg_dump succeeded and its
checksums are taken, and the manifest is written last. A run that fails or is killed leaves no
manifest, and a backup without a manifest is never listed, verified or counted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from pgsage import __version__
from pgsage.backup.facts import read_facts
from pgsage.backup.manifest import (
    FORMAT_VERSION,
    PARTIAL_SUFFIX,
    Backup,
    BackupFailed,
    Facts,
    Manifest,
    checksums,
    manifest_path,
    save_manifest,
)
from pgsage.backup.tools import Client, choose_client, libpq_target, tool_error
from pgsage.db.connect import SessionOptions, connect, translate
from pgsage.errors import UsageError

FORMATS = ("custom", "directory")


@dataclass(frozen=True)
class BackupOptions:
    dsn: str
    directory: Path
    dump_format: str = "custom"
    jobs: int = 1
    bindir: Path | None = None  # the client programs to use; None: the newest found


@dataclass(frozen=True)
class ServerFacts:
    version: str
    version_num: int
    database: str


def _validate(options: BackupOptions) -> None:
    if options.dump_format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    if options.jobs < 1:
        raise UsageError("-j must be at least 1")
    if options.jobs > 1 and options.dump_format != "directory":
        raise UsageError("-j needs --format directory (pg_dump dumps in parallel only there)")
    try:
        options.directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupFailed(f"cannot create {options.directory}: {exc.strerror or exc}") from None


def dump_name(database: str, at: datetime, dump_format: str, directory: Path) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", database).strip(".") or "db"
    stem = f"{safe}-{at:%Y%m%dT%H%M%SZ}"
    suffix = ".dump" if dump_format == "custom" else ""
    name, n = stem + suffix, 1
    while (directory / name).exists() or manifest_path(directory / name).exists():
        n += 1
        name = f"{stem}-{n}{suffix}"
    return name


def run_backup(options: BackupOptions) -> Backup:
    _validate(options)
    # No timeouts: the row counts run beside pg_dump, which waits for its locks as long as
    # it takes; a count that gave up after a second would fail a backup pg_dump completes.
    session = SessionOptions(
        statement_timeout_ms=0, lock_timeout_ms=0, application_name="pgsage-backup"
    )
    with connect(options.dsn, session) as conn:
        try:
            server = _server(conn)
        except psycopg.Error as exc:
            raise translate(exc) from None
        client = choose_client(server.version_num // 10000, options.bindir)
        started = datetime.now(UTC)
        name = dump_name(server.database, started, options.dump_format, options.directory)
        final = options.directory / name
        partial = options.directory / f".{name}{PARTIAL_SUFFIX}"
        try:
            facts = _dump(conn, options, client, partial)
            return _finish(_Run(options, server, client, started, partial, final), facts)
        except BaseException:
            _remove(partial)
            raise


def _server(conn: psycopg.Connection[Any]) -> ServerFacts:
    row = conn.execute(
        "SELECT pg_catalog.current_setting('server_version'),"
        " pg_catalog.current_setting('server_version_num')::int,"
        " pg_catalog.current_database()"
    ).fetchone()
    assert row is not None
    conn.execute("SET idle_in_transaction_session_timeout = 0")  # held while pg_dump runs
    return ServerFacts(str(row[0]), int(row[1]), str(row[2]))


def _dump(
    conn: psycopg.Connection[Any], options: BackupOptions, client: Client, partial: Path
) -> Facts:
    target, env = libpq_target(options.dsn)
    conn.autocommit = False
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        with conn.transaction():
            exported = conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()
            assert exported is not None
            args = [
                str(client.tool("pg_dump")),
                f"--format={options.dump_format}",
                f"--file={partial}",
                f"--snapshot={exported[0]}",
                "--no-password",
                *([f"--jobs={options.jobs}"] if options.jobs > 1 else []),
                f"--dbname={target}",
            ]
            process = subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
            )
            try:
                facts = read_facts(conn)  # while pg_dump runs, in the snapshot it dumps
                _, stderr = process.communicate()
            except BaseException:
                process.kill()
                process.wait()
                raise
    except psycopg.Error as exc:
        raise translate(exc) from None
    finally:
        conn.autocommit = True
    if process.returncode != 0:
        raise BackupFailed(tool_error("pg_dump", stderr, process.returncode))
    return facts


@dataclass(frozen=True)
class _Run:
    options: BackupOptions
    server: ServerFacts
    client: Client
    started: datetime
    partial: Path
    final: Path


def _finish(run: _Run, facts: Facts) -> Backup:
    options, server, client, partial, final = (
        run.options,
        run.server,
        run.client,
        run.partial,
        run.final,
    )
    try:
        sums = checksums(partial, final.name)
    except OSError as exc:
        raise BackupFailed(f"cannot read the dump {partial}: {exc.strerror or exc}") from None
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        pgsage_version=__version__,
        dump=final.name,
        dump_format=options.dump_format,
        database=server.database,
        server_version=server.version,
        server_version_num=server.version_num,
        pg_dump_version=client.version,
        started_at=run.started,
        finished_at=datetime.now(UTC),
        size_bytes=sum(s.size for s in sums.values()),
        files=sums,
        facts=facts,
    )
    partial.rename(final)
    try:
        save_manifest(manifest_path(final), manifest)
    except BaseException:
        _remove(final)
        raise
    return Backup(manifest_path(final), manifest)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_backup(backup: Backup) -> list[Path]:
    """The manifest first (the backup stops counting), then the dump."""
    backup.manifest_file.unlink(missing_ok=True)
    _remove(backup.dump)
    return [backup.dump, backup.manifest_file]
