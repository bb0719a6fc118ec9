"""The rule base class and registry: one rule is one small module in ``rules/``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pgsage.lint.model import Group, Statement
from pgsage.model import Severity

if TYPE_CHECKING:
    from pgsage.lint.context import Context

_REGISTRY: dict[str, type[Rule]] = {}


@dataclass(frozen=True)
class Hit:
    """A rule's verdict on one statement; ``table`` lets --dsn grade it by the table's size."""

    message: str
    table: str | None = None
    statement: Statement | None = None


class Rule:
    """Metadata plus ``check`` (called per statement, before the context takes it in) and
    ``finish`` (called once per migration, for verdicts that need the whole file)."""

    id: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    group: ClassVar[Group] = Group.LOCKING
    default_on: ClassVar[bool] = True
    severity: ClassVar[Severity] = Severity.WARNING
    summary: ClassVar[str] = ""
    why: ClassVar[str] = ""
    fix_sql: ClassVar[str] = ""
    fix_alembic: ClassVar[str] = ""
    deviations: ClassVar[str] = ""
    # Locking rules are graded by table size with --dsn and dropped for new or empty tables.
    size_graded: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.id:
            if cls.id in _REGISTRY:
                raise RuntimeError(f"duplicate lint rule id {cls.id}")
            _REGISTRY[cls.id] = cls

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        return ()

    def finish(self, ctx: Context) -> Iterable[Hit]:
        return ()

    @property
    def fix(self) -> str:
        return self.fix_sql.strip()


def all_rules() -> list[type[Rule]]:
    import pgsage.lint.rules  # noqa: F401  (imports every rule module, which registers it)

    return sorted(_REGISTRY.values(), key=lambda rule: rule.id)


def rule_by_name(name: str) -> list[type[Rule]]:
    """Rules matching an id, an alias or a group name."""
    lowered = name.strip().lower()
    return [
        rule
        for rule in all_rules()
        if lowered in (rule.id, rule.group.value) or lowered in rule.aliases
    ]
