"""What the artifact set is rendered from: the Reports of one ``pgsage report`` run, plus the
few plain facts that are not findings (the monitoring plan's table, what was not given)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgsage.model import Report

# The inputs a document may lack, named in ``ArtifactInputs.missing``.
DATABASE = "database"
WORKLOAD = "workload"
ADVISE = "advise"
ALEMBIC = "alembic"
SQUASH = "squash"
CAPTURE = "capture"
VECTOR_TUNE = "vector tune"
VECTOR = "vector"


@dataclass(frozen=True)
class ArtifactInputs:
    """``audit``: the checks' report; ``workload``: the top statements of pg_stat_statements as
    info findings (check ``workload-statement``); ``advise``: the index advisor's report;
    ``migrations``/``lint``/``squash``: the Alembic project's check stages, lint and squash
    dry-run; ``nplusone``: the instrumentation capture's findings; ``script``: the fixes of all
    of them in the script's phases (one CheckResult a phase, its ``reason`` the phase's title);
    ``missing``: input → why it was not examined."""

    script: Report
    audit: Report | None = None
    workload: Report | None = None
    advise: Report | None = None
    migrations: Report | None = None
    lint: Report | None = None
    squash: Report | None = None
    nplusone: Report | None = None
    vector: Report | None = None  # measured recall per ANN index (vector tune)
    monitoring_plan: str = ""
    alembic_heads: tuple[str, ...] = ()
    missing: dict[str, str] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)  # how to re-run each part
