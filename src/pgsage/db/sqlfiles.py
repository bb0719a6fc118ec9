"""Loading the catalog SQL kept in ``sql/``, filtered for the server's major version.

A line ending in ``-- pg>=16`` is kept only on 16 and newer, one ending in ``-- pg<16`` only
before 16: one file per query, the version differences visible side by side.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_GUARD = re.compile(r"--\s*pg(>=|<)(\d+)\s*$")


@cache
def _raw(name: str) -> str:
    return resources.files("pgsage.db").joinpath("sql", f"{name}.sql").read_text()


def load_sql(name: str, major: int) -> str:
    kept = []
    for line in _raw(name).splitlines():
        guard = _GUARD.search(line)
        if guard:
            op, version = guard.group(1), int(guard.group(2))
            if (op == ">=" and major < version) or (op == "<" and major >= version):
                continue
            kept.append(line[: guard.start()].rstrip())
        else:
            kept.append(line)
    return "\n".join(kept)
