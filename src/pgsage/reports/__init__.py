"""Renderers: one pure module per format, ``render(report) -> str``, for every command's Report.

A new format is one module here plus its entry in ``_MODULES`` (and ``cli.options.Format``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from pgsage.model import Report

_MODULES = {
    "text": "text",
    "json": "json_report",
    "markdown": "markdown",
    "html": "html",
    "sarif": "sarif",
    "github": "github",
}


class _Renderers(Mapping[str, Callable[[Report], str]]):
    """Format → render function; a format's module is imported on first look-up, so that
    `pgsage audit --format json` imports neither rich (text) nor the HTML template (lazy:
    start-up time of the CLI)."""

    def __getitem__(self, fmt: str) -> Callable[[Report], str]:
        module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
        render: Callable[[Report], str] = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


RENDERERS: Mapping[str, Callable[[Report], str]] = _Renderers()
