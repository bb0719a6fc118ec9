"""Renderers: one pure module per format, ``render(report) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from pgsage.model import Report
from pgsage.reports import html, json_report, markdown, text

RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json_report.render,
    "markdown": markdown.render,
    "html": html.render,
}
