"""A baseline of accepted findings, so CI fails only on new ones.

A finding is identified by its check and object — not its message, whose numbers change from
run to run. The file is JSON, sorted, meant to be committed and reviewed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from pgsage.errors import UsageError
from pgsage.model import CheckResult, Finding, Report, Status

BASELINE_VERSION = 1


def fingerprint(finding: Finding) -> str:
    return f"{finding.check}::{finding.object}"


@dataclass(frozen=True)
class BaselineResult:
    report: Report
    suppressed: int
    fixed: list[str]  # baseline entries no longer found: remove them from the file


def write_baseline(report: Report, path: Path) -> int:
    entries = sorted({fingerprint(f) for f in report.findings})
    payload = {"version": BASELINE_VERSION, "findings": entries}
    temporary: Path | None = None
    try:  # written whole or not at all: a temporary file beside it, renamed over it
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(payload, indent=2) + "\n")
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    return len(entries)


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"baseline {path} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
    ):
        raise UsageError(f"{path} is not a pgsage baseline (version {BASELINE_VERSION})")
    return {str(entry) for entry in data["findings"]}


def apply_baseline(report: Report, accepted: set[str]) -> BaselineResult:
    seen: set[str] = set()
    suppressed = 0
    results = []
    for result in report.results:
        kept = []
        for finding in result.findings:
            key = fingerprint(finding)
            if key in accepted:
                seen.add(key)
                suppressed += 1
            else:
                kept.append(finding)
        status = result.status
        if status is Status.FINDINGS and not kept:
            status = Status.OK
        results.append(
            CheckResult(result.check, status, tuple(kept), result.reason, result.duration_ms)
        )
    server = replace(report.server, baseline_suppressed=suppressed) if report.server else None
    filtered = replace(report, results=tuple(results), server=server)
    return BaselineResult(filtered, suppressed, sorted(accepted - seen))
