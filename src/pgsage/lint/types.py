"""Which column type changes PostgreSQL makes without rewriting the table (binary-coercible).

ALTER COLUMN TYPE still takes an ACCESS EXCLUSIVE lock, but for these changes only briefly:
no rewrite and, for the widening ones, no index rebuild.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALIASES = {
    "character varying": "varchar",
    "int": "int4",
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "numeric": "numeric",
    "decimal": "numeric",
    "bit varying": "varbit",
    "timestamp with time zone": "timestamptz",
    "character": "bpchar",
    "char": "bpchar",
}
_VARHDRSZ = 4


@dataclass(frozen=True)
class ColumnType:
    name: str
    mods: tuple[int, ...] = ()

    @classmethod
    def of(cls, name: str, mods: tuple[int, ...] = ()) -> ColumnType:
        return cls(_ALIASES.get(name.lower(), name.lower()), mods)

    @classmethod
    def from_catalog(cls, name: str, typmod: int) -> ColumnType:
        """pg_type.typname + pg_attribute.atttypmod → the user-facing modifiers."""
        base = _ALIASES.get(name, name)
        if typmod < 0:
            return cls(base)
        if base in ("varchar", "bpchar"):
            return cls(base, (typmod - _VARHDRSZ,))
        if base == "numeric":
            value = typmod - _VARHDRSZ
            return cls(base, ((value >> 16) & 0xFFFF, value & 0xFFFF))
        if base == "varbit":
            return cls(base, (typmod,))
        return cls(base, (typmod,))


_SPELLED = re.compile(r"^\s*([a-z ]+?)\s*(?:\(([\d,\s]+)\))?\s*$")


def from_spelling(spelled: str) -> ColumnType | None:
    """``VARCHAR(50)``, ``NUMERIC(12, 2)``, ``TEXT`` (a compiled SQLAlchemy type) → ColumnType."""
    match = _SPELLED.match(spelled.lower())
    if not match:
        return None
    mods = tuple(int(m) for m in (match.group(2) or "").replace(" ", "").split(",") if m)
    return ColumnType.of(match.group(1), mods)


def is_binary_coercible(old: ColumnType, new: ColumnType) -> bool:
    """True when PostgreSQL changes ``old`` into ``new`` without a table rewrite."""
    if old == new:
        return True
    if old.name == "varchar" and new.name == "text":
        return True
    if old.name == "varchar" and new.name == "varchar":
        return not new.mods or (bool(old.mods) and new.mods[0] >= old.mods[0])
    if old.name == "text" and new.name == "varchar" and not new.mods:
        return True
    if old.name == "numeric" and new.name == "numeric":
        if not new.mods:
            return True
        if len(old.mods) == 2 and len(new.mods) >= 1:
            new_scale = new.mods[1] if len(new.mods) > 1 else 0
            return new_scale == old.mods[1] and new.mods[0] >= old.mods[0]
        return False
    if old.name == "varbit" and new.name == "varbit":
        return not new.mods or (bool(old.mods) and new.mods[0] >= old.mods[0])
    return old.name == "cidr" and new.name == "inet"
