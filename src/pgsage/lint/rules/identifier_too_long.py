"""PostgreSQL silently truncates identifiers longer than 63 bytes."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import parser

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import NAMEDATALEN_BYTES


def identifier_tokens(text: str) -> Iterable[str]:
    """Identifier spellings as written (quotes removed, doubled quotes undone)."""
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return
    for token in tokens:
        if token.name != "IDENT":
            continue
        # pglast reports character offsets, the end inclusive.
        raw = text[token.start : token.end + 1]
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            yield raw[1:-1].replace('""', '"')
        elif raw.upper().startswith('U&"'):
            yield raw[3:-1]
        else:
            yield raw.lower()


class IdentifierTooLong(Rule):
    id = "identifier-too-long"
    aliases = ("identifier-too-long",)
    group = Group.STYLE
    summary = "An identifier longer than 63 bytes."
    why = (
        "PostgreSQL truncates it to 63 bytes with only a NOTICE: two long names can collide, "
        "and the name in the database differs from the one in the code (Alembic autogenerate "
        "then reports drift)."
    )
    fix_sql = "CREATE INDEX ix_orders_customer_created ON orders (customer_id, created_at);"
    fix_alembic = "op.create_index('ix_orders_customer_created', 'orders', [...])"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if len(stmt.text.encode("utf-8")) <= NAMEDATALEN_BYTES and '"' not in stmt.text:
            return
        for name in identifier_tokens(stmt.text):
            size = len(name.encode("utf-8"))
            if size > NAMEDATALEN_BYTES:
                yield Hit(
                    f"identifier {name[:20]}… is {size} bytes; PostgreSQL truncates it to "
                    f"{NAMEDATALEN_BYTES}"
                )
