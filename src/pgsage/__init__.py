"""pgsage — PostgreSQL performance and operations toolkit for Python backends."""

__version__ = "0.1.0"


# The instrumentation is exported lazily: `import pgsage` (the CLI) must not import SQLAlchemy.
# pgsage.instrument is a callable module, so pgsage.instrument(engine) works either way.
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ below provides them
    from pgsage.instrument import NPlusOneError as NPlusOneError
    from pgsage.instrument import unit_of_work as unit_of_work
    from pgsage.instrument.core import instrument as instrument

_INSTRUMENT_EXPORTS = ("instrument", "unit_of_work", "NPlusOneError")


def __getattr__(name: str) -> Any:
    if name in _INSTRUMENT_EXPORTS:
        import pgsage.instrument as instrument_package

        value = instrument_package if name == "instrument" else getattr(instrument_package, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
