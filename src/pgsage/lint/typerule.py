"""A base for the column-type style rules: one verdict per column whose type is in a set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import named_column_definitions, type_label, type_name


class ColumnTypeRule(Rule):
    group = Group.STYLE
    type_names: ClassVar[frozenset[str]] = frozenset()
    advice: ClassVar[str] = ""

    def matches(self, type_node: Any) -> bool:
        return type_name(type_node) in self.type_names

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        for column, table, _how, name in named_column_definitions(stmt.node):
            if column.typeName is not None and self.matches(column.typeName):
                yield Hit(f"{table}.{name} is {type_label(column.typeName)}: {self.advice}")
