"""Loading the catalog SQL kept in ``sql/``, filtered for the server's major version.

A line ending in ``-- pg>=16`` is kept only on 16 and newer, one ending in ``-- pg<16`` only
before 16: one file per query, the version differences visible side by side. In the same way a
line ending in ``-- superuser`` is kept only for a superuser's session, one ending in
``-- not superuser`` only for any other (the statistics sections read pg_statistic directly
when they may, see columns.sql).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources

_GUARD = re.compile(r"--\s*pg(>=|<)(\d+)\s*$")
_ROLE_GUARD = re.compile(r"--\s*(not\s+)?superuser\s*$")


@cache
def _raw(package: str, path: str) -> str:
    return resources.files(package).joinpath(path).read_text(encoding="utf-8")


@cache
def load_sql(name: str, major: int, *, superuser: bool = False) -> str:
    """The snapshot's ``db/sql/<name>.sql`` for a server of version ``major``, for a session
    that is (or is not) a superuser's."""
    return for_role(for_version(_raw("pgsage.db", f"sql/{name}.sql"), major), superuser)


def load_package_sql(package: str, path: str, major: int) -> str:
    """A SQL file kept in another package (the exporter's), filtered the same way."""
    return for_version(_raw(package, path), major)


def for_version(text: str, major: int) -> str:
    """``text`` without the lines whose ``-- pg>=N`` / ``-- pg<N`` guard excludes ``major``."""

    def keep(guard: re.Match[str]) -> bool:
        op, version = guard.group(1), int(guard.group(2))
        return not ((op == ">=" and major < version) or (op == "<" and major >= version))

    return _guarded(text, _GUARD, keep)


def for_role(text: str, superuser: bool) -> str:
    """``text`` without the lines whose ``-- superuser`` / ``-- not superuser`` guard excludes
    a session that is (``superuser``) or is not a superuser's."""
    return _guarded(text, _ROLE_GUARD, lambda guard: (guard.group(1) is None) == superuser)


def _guarded(text: str, pattern: re.Pattern[str], keep: Callable[[re.Match[str]], bool]) -> str:
    """``text`` without the guarded lines ``keep`` refuses; the kept ones without their guard."""
    kept = []
    for line in text.splitlines():
        guard = pattern.search(line)
        if guard is None:
            kept.append(line)
        elif keep(guard):
            kept.append(line[: guard.start()].rstrip())
    return "\n".join(kept)
