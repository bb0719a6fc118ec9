"""Renderers: one pure module per format, ``render(report) -> str``, for every command's Report.

A module's name is its format's name: adding ``reports/<format>.py`` with a ``render`` function
adds ``--format <format>`` to every command (the formats are found by listing this package,
without importing the renderers). Modules that help the renderers are listed in ``HELPERS``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping

from pgsage.model import Report

HELPERS = frozenset({"layout"})
FORMATS: tuple[str, ...] = tuple(
    sorted(
        module.name
        for module in pkgutil.iter_modules(__path__)
        if not module.ispkg and module.name not in HELPERS and not module.name.startswith("_")
    )
)


class _Renderers(Mapping[str, Callable[[Report], str]]):
    """Format → render function; a format's module is imported on first look-up, so that
    `pgsage audit --format json` imports neither rich (text) nor the HTML template (lazy:
    start-up time of the CLI)."""

    def __getitem__(self, fmt: str) -> Callable[[Report], str]:
        if fmt not in FORMATS:
            raise KeyError(fmt)
        module = importlib.import_module(f"{__name__}.{fmt}")
        render: Callable[[Report], str] = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


RENDERERS: Mapping[str, Callable[[Report], str]] = _Renderers()
