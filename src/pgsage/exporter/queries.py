"""The exporter's SQL, kept in ``*.sql`` files beside this module and filtered per version.

A line ending in ``-- pg>=17`` is kept only on 17 and newer, one ending in ``-- pg<17`` only
before 17 (``pgsage.db.sqlfiles`` loads and filters them): the version differences side by side.
"""

from __future__ import annotations

from pgsage.db.sqlfiles import load_package_sql


def load_query(name: str, major: int) -> str:
    """The text of ``name.sql`` with the lines that do not apply to ``major`` left out."""
    return load_package_sql("pgsage.exporter", f"{name}.sql", major)
