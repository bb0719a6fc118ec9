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
def _raw(package: str, path: str) -> str:
    return resources.files(package).joinpath(path).read_text(encoding="utf-8")


def load_sql(name: str, major: int) -> str:
    """The snapshot's ``db/sql/<name>.sql`` for a server of version ``major``."""
    return for_version(_raw("pgsage.db", f"sql/{name}.sql"), major)


def load_package_sql(package: str, path: str, major: int) -> str:
    """A SQL file kept in another package (the exporter's), filtered the same way."""
    return for_version(_raw(package, path), major)


def for_version(text: str, major: int) -> str:
    """``text`` without the lines whose ``-- pg>=N`` / ``-- pg<N`` guard excludes ``major``."""
    kept = []
    for line in text.splitlines():
        guard = _GUARD.search(line)
        if guard:
            op, version = guard.group(1), int(guard.group(2))
            if (op == ">=" and major < version) or (op == "<" and major >= version):
                continue
            kept.append(line[: guard.start()].rstrip())
        else:
            kept.append(line)
    return "\n".join(kept)
