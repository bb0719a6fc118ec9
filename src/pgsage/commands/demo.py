"""The demo: build the demo database, run its workload, audit it and write the reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pgsage.commands.audit import audit
from pgsage.commands.server import server_start
from pgsage.model import Report
from pgsage.settings import Settings

DEMO_DATABASE = "pgsage_demo"


@dataclass(frozen=True)
class DemoResult:
    dsn: str
    report: Report
    files: list[Path]
    stats: object


def demo(
    settings: Settings,
    out_dir: Path,
    *,
    scale: float = 1.0,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    """Build the demo database, run its workload, audit it and write the reports to out_dir."""
    from pgsage.demo import build_demo
    from pgsage.reports import RENDERERS

    if settings.dsn:
        dsn = settings.dsn
    else:
        server = server_start()
        progress(f"embedded server: {server.binaries.source}, data in {server.cluster.datadir}")
        dsn = server.ensure_database(DEMO_DATABASE)
    stats = build_demo(dsn, scale=scale, progress=progress)
    progress("auditing the demo database")
    report = audit(settings.model_copy(update={"dsn": dsn}))
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for fmt, suffix in (("markdown", "md"), ("json", "json"), ("text", "txt")):
        path = out_dir / f"audit.{suffix}"
        path.write_text(RENDERERS[fmt](report))
        files.append(path)
    return DemoResult(dsn=dsn, report=report, files=files, stats=stats)
