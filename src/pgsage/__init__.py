"""pgsage — PostgreSQL performance and operations toolkit for Python backends.

The public API is what ``__all__`` names: the instrumentation (``pgsage.instrument(engine)``,
``unit_of_work``, ``NPlusOneError``), the result model (``Report``, ``Finding``, ...) and the
command functions (``audit``, ``snapshot``, ``lint``, ``run_advise``). Everything is imported on first use, so
``import pgsage`` (and with it the CLI's start-up) stays cheap: no SQLAlchemy, no psycopg.
"""

from typing import TYPE_CHECKING, Any

# The one version: pyproject.toml reads it from here ([tool.setuptools.dynamic]).
__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ below provides them
    from pgsage.commands.advise import AdviseRun as AdviseRun
    from pgsage.commands.advise import run_advise as run_advise
    from pgsage.commands.audit import audit as audit
    from pgsage.commands.audit import snapshot as snapshot
    from pgsage.commands.lint import LintRequest as LintRequest
    from pgsage.commands.lint import lint as lint
    from pgsage.instrument import NPlusOneError as NPlusOneError
    from pgsage.instrument import unit_of_work as unit_of_work
    from pgsage.instrument.core import instrument as instrument
    from pgsage.model import CheckResult as CheckResult
    from pgsage.model import FailOn as FailOn
    from pgsage.model import Finding as Finding
    from pgsage.model import Fix as Fix
    from pgsage.model import Location as Location
    from pgsage.model import ObjectRef as ObjectRef
    from pgsage.model import Report as Report
    from pgsage.model import RuleInfo as RuleInfo
    from pgsage.model import ServerSummary as ServerSummary
    from pgsage.model import Severity as Severity
    from pgsage.model import Status as Status
    from pgsage.settings import Settings as Settings

# name -> the module that defines it. pgsage.instrument is a callable module: the package
# itself is the `instrument` export, so pgsage.instrument(engine) works either way.
_LAZY_EXPORTS = {
    "instrument": "pgsage.instrument",
    "unit_of_work": "pgsage.instrument",
    "NPlusOneError": "pgsage.instrument",
    "CheckResult": "pgsage.model",
    "FailOn": "pgsage.model",
    "Finding": "pgsage.model",
    "Fix": "pgsage.model",
    "Location": "pgsage.model",
    "ObjectRef": "pgsage.model",
    "Report": "pgsage.model",
    "RuleInfo": "pgsage.model",
    "ServerSummary": "pgsage.model",
    "Severity": "pgsage.model",
    "Status": "pgsage.model",
    "Settings": "pgsage.settings",
    "audit": "pgsage.commands.audit",
    "snapshot": "pgsage.commands.audit",
    "AdviseRun": "pgsage.commands.advise",
    "run_advise": "pgsage.commands.advise",
    "LintRequest": "pgsage.commands.lint",
    "lint": "pgsage.commands.lint",
}

# Spelled out for static analysers; tests/test_package.py keeps it equal to the map above.
__all__ = [
    "AdviseRun",
    "CheckResult",
    "FailOn",
    "Finding",
    "Fix",
    "LintRequest",
    "Location",
    "NPlusOneError",
    "ObjectRef",
    "Report",
    "RuleInfo",
    "ServerSummary",
    "Settings",
    "Severity",
    "Status",
    "__version__",
    "audit",
    "instrument",
    "lint",
    "run_advise",
    "snapshot",
    "unit_of_work",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module = importlib.import_module(module_name)
    value = module if name == "instrument" else getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_EXPORTS})
