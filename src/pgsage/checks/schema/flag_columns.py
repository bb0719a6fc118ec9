"""Flag columns: how an integer 0/1 column and its boolean twin are found (integer-as-boolean,
duplicate-flag-column share this)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pgsage.checks.schema.column_design import words
from pgsage.db.rows import Column

# Name endings that say "the same thing, as another type": activebool, active_flag, active_int.
TYPE_SUFFIXES = ("bool", "boolean", "flag", "int", "yn", "bit")


def says_flag(name: str, prefixes: set[str], flag_words: set[str]) -> bool:
    parts = words(name)
    return bool(parts) and (parts[0] in prefixes or bool(flag_words & set(parts)))


def stem(name: str) -> str:
    """``activebool`` / ``active_flag`` / ``is_active`` -> ``active``."""
    text = name.lower().strip("_")
    for prefix in ("is_", "has_"):
        text = text.removeprefix(prefix)
    for suffix in TYPE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text.removesuffix(suffix).rstrip("_")
            break
    return text


@dataclass(frozen=True)
class Twin:
    flag: Column  # the integer 0/1 column
    boolean: Column


def twins(columns: Sequence[Column]) -> list[Twin]:
    """Integer and boolean columns of one table whose names have the same stem and differ."""
    booleans = {stem(c.name): c for c in columns if c.type_name == "bool"}
    found = []
    for column in columns:
        if column.type_name not in ("int2", "int4", "int8"):
            continue
        twin = booleans.get(stem(column.name))
        if twin is not None and twin.name != column.name:
            found.append(Twin(column, twin))
    return found
