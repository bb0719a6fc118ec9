"""Health checks. Importing this package registers every check module."""

from __future__ import annotations

import importlib
import pkgutil

from pgsage.checks.base import Check, CheckDocs, Param

__all__ = ["Check", "CheckDocs", "Param", "all_checks"]


def all_checks() -> list[type[Check]]:
    return [Check.registry[key] for key in sorted(Check.registry)]


def _import_all() -> None:
    # Walk the sub-packages so that adding a check is adding a file.
    # The reference generator (``python -m pgsage.checks.docs``) is not a check module.
    for module in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        if module.name != f"{__name__}.docs":
            importlib.import_module(module.name)


_import_all()
