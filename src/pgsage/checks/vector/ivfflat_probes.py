"""ivfflat-probes: sessions search far fewer IVFFlat lists than sqrt(lists)."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from functools import partial
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.vector import measured
from pgsage.checks.vector.ann import (
    DEFAULT_LISTS,
    as_int,
    index_ref,
    int_option,
    recommended_probes,
    role_overrides,
    session_default,
    sets_per_session,
)
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, Fix, Severity

SETTING = "ivfflat.probes"


class IvfflatProbes(Check):
    id = "ivfflat-probes"
    category = "vector"
    severity = Severity.WARNING
    title = "ivfflat.probes far below sqrt(lists)"
    requires_extensions = ("vector",)
    requires_sections = ("indexes", "roles", "vector_settings")
    params = (
        Param("min_ratio", 0.5, "report when probes is below this fraction of sqrt(lists)"),
        *measured.PARAMS,
    )
    docs = CheckDocs(
        problem="The number of IVFFlat lists a search visits (`ivfflat.probes`, 1 unless set) "
        "is far below sqrt(lists), pgvector's starting point — for the sessions of the "
        "database (postgresql.conf, ALTER DATABASE ... SET) or of a login role (ALTER "
        "ROLE ... SET).",
        why="A search only looks at the `probes` lists whose centroids are nearest to the query "
        "vector; neighbours filed in other lists are never found. With 1 probe of 100 lists "
        "a search reads 1 % of the index, and recall (the share of the true nearest "
        "neighbours returned) is often well below what the application assumes.",
        fix="Set ivfflat.probes to about sqrt(lists) — per database (ALTER DATABASE ... SET), "
        "per role (ALTER ROLE ... IN DATABASE ... SET), or per transaction (SET LOCAL) — "
        "and raise it until recall is good enough (`pgsage vector tune` measures it; with its "
        "record as the measured_recall_file parameter, this check judges probes by the "
        "measured recall). A SET issued by the application itself "
        "is not visible to this check unless pg_stat_statements tracks utility statements; "
        "when it sees one, the finding is only informational.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        min_ratio = float(params["min_ratio"])
        default = session_default(snapshot, SETTING)
        default_probes = as_int(default.value) or 1
        overrides = {
            role: as_int(value) or 1 for role, value in role_overrides(snapshot, SETTING).items()
        }
        app_sets_it = sets_per_session(snapshot, SETTING)
        database = snapshot.server.database
        found = measured.measurements(snapshot, params)
        target = float(params["target_recall"])
        findings = []
        for index in snapshot.indexes:
            if index.method != "ivfflat" or not index.is_valid:
                continue
            lists, _explicit = int_option(index, "lists", DEFAULT_LISTS)
            wanted = recommended_probes(lists)
            threshold = wanted * min_ratio
            meas = measured.for_index(found, index)
            low = measured.low_by(meas, target, partial(operator.gt, threshold))
            if meas is not None and meas.recommended:
                wanted = meas.recommended
            default_low = low(default_probes)
            low_roles = {role: probes for role, probes in overrides.items() if low(probes)}
            if not default_low and not low_roles:
                continue
            parts = []
            fixes: list[Fix] = []
            if default_low:
                parts.append(f"sessions start with {SETTING} = {default_probes} ({default.source})")
                fixes.append(SetSetting(name=SETTING, value=wanted, database=database))
            if low_roles:
                parts.append(
                    "roles "
                    + ", ".join(f"{r} ({p})" for r, p in low_roles.items())
                    + f" set {SETTING} lower"
                )
                fixes += [
                    SetSetting(name=SETTING, value=wanted, role=role, database=database)
                    for role in low_roles
                ]
            findings.append(
                self.finding(
                    index_ref(index),
                    f"IVFFlat index {index.name} on {index.schema}.{index.table} has {lists} lists, "
                    f"but {'; '.join(parts)} — "
                    + (
                        f"below {wanted}, the lowest probes measured to reach recall {target}"
                        if meas is not None and meas.recommended
                        else f"far below sqrt({lists}) ≈ {recommended_probes(lists)}"
                    )
                    + ", so searches miss neighbours"
                    + measured.describe(meas, default_probes)
                    + (" (the application also SETs it itself)" if app_sets_it else ""),
                    severity=Severity.INFO if app_sets_it else None,
                    evidence={
                        "lists": lists,
                        "recommended_probes": wanted,
                        "threshold": threshold,
                        "default_probes": default_probes,
                        "default_source": default.source,
                        "low_roles": [f"{r}={p}" for r, p in low_roles.items()],
                        "application_sets_probes": app_sets_it,
                        **measured.evidence(meas),
                    },
                    recommendation=f"Set {SETTING} to about {wanted} for the sessions that search "
                    f"{index.table}, then raise it until recall is good enough.",
                    fix=Steps(tuple(fixes)),
                )
            )
        return findings
