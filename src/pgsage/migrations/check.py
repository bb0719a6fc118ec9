"""``migrations check``: the graph, then (on a throwaway database) upgrade, drift and round-trip.

Each stage runs when the one before it leaves something to work on; a stage that cannot run
says why in ``CheckOutcome.stages`` instead of disappearing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pgsage.migrations.findings import CheckOutcome
from pgsage.migrations.graph import load_graph
from pgsage.migrations.project import AlembicProject, EnvOptions, load_models, read_env_options
from pgsage.migrations.roundtrip import round_trip, upgrade_all
from pgsage.migrations.scratch import ScratchServer


@dataclass(frozen=True)
class CheckOptions:
    dsn: str | None = None  # server for scratch databases; None = the embedded one
    models: str | None = None  # module:attribute; None = env.py's target_metadata
    server: bool = True  # False: the graph only
    roundtrip: bool = True
    drift: bool = True


Progress = Callable[[str], None]


def run_check(
    project: AlembicProject, options: CheckOptions, progress: Progress | None = None
) -> CheckOutcome:
    say = progress or (lambda _message: None)
    outcome = CheckOutcome()
    graph = load_graph(project)
    outcome.add_stage("graph", graph.findings)
    stages = (
        ["upgrade"]
        + (["drift"] if options.drift else [])
        + (["roundtrip"] if options.roundtrip else [])
    )
    if not options.server:
        for stage in stages:
            outcome.stages[stage] = "not run: --no-server"
        return outcome
    if not graph.runnable:
        for stage in stages:
            outcome.stages[stage] = (
                "not run: the revision graph has errors"
                if graph.revisions
                else "not run: no loadable revisions"
            )
        return outcome
    # Bad --models input is a usage error before any server work.
    given_models = (
        load_models(options.models, project) if options.models and options.drift else None
    )
    env = read_env_options(project) if options.drift else EnvOptions()
    server = ScratchServer.choose(options.dsn)
    with server.database("check") as dsn, project.importable():
        say(f"upgrading {len(graph.revisions)} revisions on a scratch database")
        upgraded = upgrade_all(graph, dsn)
        outcome.add_stage("upgrade", upgraded.findings)
        if not upgraded.complete:
            for stage in stages[1:]:
                outcome.stages[stage] = "not run: the upgrade to head failed"
            return outcome
        if options.drift:
            from pgsage.migrations.drift import drift_findings

            metadata = given_models if given_models is not None else env.target_metadata
            if metadata is None:
                outcome.stages["drift"] = (
                    "not run: no models (pass --models module:metadata"
                    + (f"; {env.error}" if env.error else "; env.py sets no target_metadata")
                    + ")"
                )
            else:
                say("comparing the migrated schema with the models")
                outcome.add_stage(
                    "drift", drift_findings(server, dsn, upgraded.head, metadata, env)
                )
        if options.roundtrip:
            say("round-trip: down and up again, revision by revision")
            outcome.add_stage("roundtrip", round_trip(graph, upgraded))
    return outcome
