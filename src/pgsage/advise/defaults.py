"""Defaults that ``pgsage advise --help`` shows. This module imports nothing: the CLI imports
it at start-up, and the workload module that uses these values imports pglast and psycopg."""

from __future__ import annotations

DEFAULT_TOP = 200
