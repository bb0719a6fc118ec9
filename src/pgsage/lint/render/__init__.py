"""Lint output formats: one pure module per format, ``render(result) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from pgsage.lint.model import LintResult
from pgsage.lint.render import github, human, json_format, sarif

RENDERERS: dict[str, Callable[[LintResult], str]] = {
    "human": human.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}
