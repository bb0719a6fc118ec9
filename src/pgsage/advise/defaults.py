"""Defaults that ``pgsage advise --help`` shows. This module imports nothing: the CLI imports
it at start-up, and the workload module that uses these values imports pglast and psycopg."""

from __future__ import annotations

DEFAULT_TOP = 200

# Leads every statement the advisor sends to the user's database, so that pg_stat_statements
# shows them for what they are and a later default run passes them over.
MARK = "/* pgsage */ "
