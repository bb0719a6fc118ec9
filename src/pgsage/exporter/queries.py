"""The exporter's SQL, kept in ``*.sql`` files beside this module and filtered per version.

A line ending in ``-- pg>=17`` is kept only on 17 and newer, one ending in ``-- pg<17`` only
before 17 (the convention of ``pgsage.db.sqlfiles``): the version differences side by side.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_GUARD = re.compile(r"--\s*pg(>=|<)(\d+)\s*$")


@cache
def _raw(name: str) -> str:
    return resources.files("pgsage.exporter").joinpath(f"{name}.sql").read_text()


def load_query(name: str, major: int) -> str:
    """The text of ``name.sql`` with the lines that do not apply to ``major`` left out."""
    kept = []
    for line in _raw(name).splitlines():
        guard = _GUARD.search(line)
        if guard is None:
            kept.append(line)
            continue
        op, version = guard.group(1), int(guard.group(2))
        if (op == ">=" and major >= version) or (op == "<" and major < version):
            kept.append(line[: guard.start()].rstrip())
    return "\n".join(kept)
