"""Defaults that ``pgsage monitoring --help`` shows. This module imports nothing: the CLI
imports it at start-up, and the modules that use these values (rules, definitions) import all
checks."""

from __future__ import annotations

DEFAULT_JOB = "pgsage"
