"""The manifest beside every dump: what was dumped, its checksums, and the facts a restore must
reproduce. A backup is complete exactly when its manifest exists (written last, atomically)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pgsage.errors import PgsageError, UsageError

MANIFEST_SUFFIX = ".manifest.json"
PARTIAL_SUFFIX = ".partial"
FORMAT_VERSION = 1


class BackupFailed(PgsageError):
    """A backup or a restore could not be made (pg_dump failed, the disk is full, ...)."""


@dataclass(frozen=True)
class FileSum:
    sha256: str
    size: int


@dataclass(frozen=True)
class Facts:
    """What a restore must reproduce, read in the dump's snapshot."""

    tables: dict[str, int] = field(default_factory=dict)  # qualified name -> rows
    schema: list[str] = field(default_factory=list)  # one line per object, sorted
    schema_fingerprint: str = ""
    sequences: dict[str, int | None] = field(default_factory=dict)  # last_value (None: unused)
    extensions: dict[str, str] = field(default_factory=dict)
    alembic_head: str | None = None


@dataclass(frozen=True)
class Verification:
    at: datetime
    verdict: str  # "ok" or "failed"
    restore_seconds: float
    target: str  # where it was restored (a redacted DSN or a data directory)
    mismatches: list[str] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    format_version: int
    pgsage_version: str
    dump: str  # the dump's name in the manifest's directory (a file or a directory)
    dump_format: str  # custom | directory
    database: str
    server_version: str
    server_version_num: int
    pg_dump_version: str
    started_at: datetime
    finished_at: datetime
    size_bytes: int
    files: dict[str, FileSum]
    facts: Facts
    verifications: list[Verification] = field(default_factory=list)

    @property
    def verified(self) -> Verification | None:
        """The latest successful verification."""
        ok = [v for v in self.verifications if v.verdict == "ok"]
        return max(ok, key=lambda v: v.at) if ok else None

    def to_json(self) -> str:
        return json.dumps(_plain(dataclasses.asdict(self)), indent=2) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


_ADAPTER: TypeAdapter[Manifest] = TypeAdapter(Manifest)


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def load_manifest(path: Path) -> Manifest:
    try:
        return _ADAPTER.validate_json(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValidationError:
        raise UsageError(f"{path} is not a pgsage backup manifest (or it is damaged)") from None


def save_manifest(path: Path, manifest: Manifest) -> None:
    write_atomically(path, manifest.to_json())


def write_atomically(path: Path, text: str) -> None:
    """A temporary file beside ``path``, fsynced and renamed over it."""
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=path.parent
        )
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise BackupFailed(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def checksums(dump: Path, name: str | None = None) -> dict[str, FileSum]:
    """SHA-256 and size of the dump file (under ``name``: its final name), or of every file of
    a directory-format dump."""
    files = sorted(p for p in dump.rglob("*") if p.is_file()) if dump.is_dir() else [dump]
    result = {}
    for path in files:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        key = path.relative_to(dump).as_posix() if dump.is_dir() else (name or path.name)
        result[key] = FileSum(digest.hexdigest(), path.stat().st_size)
    return result


@dataclass(frozen=True)
class Backup:
    manifest_file: Path
    manifest: Manifest

    @property
    def dump(self) -> Path:
        return self.manifest_file.parent / self.manifest.dump


def list_backups(directory: Path) -> list[Backup]:
    """The complete backups in a directory (those with a readable manifest), oldest first."""
    if not directory.is_dir():
        raise UsageError(f"backup directory not found: {directory}")
    found = []
    for path in directory.glob(f"*{MANIFEST_SUFFIX}"):
        if path.name.startswith("."):
            continue
        try:
            found.append(Backup(path, load_manifest(path)))
        except UsageError:
            continue  # not ours or damaged: never counted as a backup
    return sorted(found, key=lambda b: b.manifest.finished_at)
