"""What the rules know about a migration while it is read statement by statement.

The engine calls every rule on a statement first and then ``advance`` with it, so a rule sees
the state *before* its statement: whether a transaction is open, which tables this migration
created (new tables are empty: locking them is harmless), which timeouts were set, which
constraints were added NOT VALID or validated, and the column types it knows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType, ConstrType, ObjectType, TransactionStmtKind

from pgsage.lint.model import LintOptions, SourceKind, Statement, Unit
from pgsage.lint.syntax import (
    bare_name,
    named_column_definitions,
    not_null_check_column,
    relation_name,
)
from pgsage.lint.timeouts import needs_timeout

TIMEOUT_SETTINGS = ("lock_timeout", "statement_timeout")
_BEGIN = (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START)
_END = (TransactionStmtKind.TRANS_STMT_COMMIT, TransactionStmtKind.TRANS_STMT_ROLLBACK)


@dataclass(frozen=True)
class UnitFacts:
    """What some rules must know of the whole migration before its end: read from the whole
    statement list of a rendered Alembic revision (small, in memory), and by looking ahead
    just far enough in a streamed SQL file (``look_ahead``)."""

    many_statements: bool = True  # more than one statement
    single_work_statement: bool = False  # exactly one besides SET and transaction control
    # Alembic only (a SQL file has no autocommit_block() and the rule reading these facts
    # looks at revisions only): a statement runs in autocommit_block(); the indexes of the
    # first two statements that need a lock timeout.
    autocommit_block: bool = False
    timeout_statements: tuple[int, ...] = ()

    @classmethod
    def of(cls, statements: Sequence[Statement]) -> UnitFacts:
        work = [s for s in statements if _is_work(s)]
        return cls(
            many_statements=len(statements) > 1,
            single_work_statement=len(work) == 1,
            autocommit_block=any(s.in_autocommit_block for s in statements),
            timeout_statements=tuple(s.index for s in statements if needs_timeout(s.node))[:2],
        )

    @classmethod
    def look_ahead(cls, statements: Iterator[Statement]) -> tuple[UnitFacts, list[Statement]]:
        """The facts of a SQL file and the statements read to settle them (at most up to its
        second work statement); the caller goes on with the same iterator."""
        head: list[Statement] = []
        work = 0
        for stmt in statements:
            head.append(stmt)
            work += _is_work(stmt)
            if len(head) > 1 and work > 1:
                break
        return cls(many_statements=len(head) > 1, single_work_statement=work == 1), head

    def other_needs_timeout(self, stmt: Statement) -> bool:
        """Another statement than ``stmt`` needs a lock timeout (takes a lock that matters)."""
        return any(index != stmt.index for index in self.timeout_statements)


def _is_work(stmt: Statement) -> bool:
    return not isinstance(stmt.node, ast.VariableSetStmt | ast.TransactionStmt)


@dataclass
class Context:
    unit: Unit
    options: LintOptions
    facts: UnitFacts
    assumed_transaction: bool = False
    in_transaction: bool = False
    explicit_transaction: bool = False
    transaction_id: int = 0
    begin_statement: Statement | None = None
    created_tables: set[str] = field(default_factory=set)
    timeouts: set[str] = field(default_factory=set)
    not_valid: dict[tuple[str, str], int] = field(default_factory=dict)
    check_columns: dict[tuple[str, str], str] = field(default_factory=dict)
    validated: set[tuple[str, str]] = field(default_factory=set)
    dropped_if_exists: set[tuple[str, str]] = field(default_factory=set)
    added_constraints: set[tuple[str, str]] = field(default_factory=set)
    column_types: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Column types declared by the files and revisions linted before this one in the same run
    # (their upgrade side), read when this migration does not declare the column itself.
    earlier_types: dict[tuple[str, str], Any] = field(default_factory=dict)
    # From --dsn: (table, column) → (type name, typmod) of the live schema.
    catalog_types: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    # Partitioned tables: created PARTITION BY in this migration, or known from --dsn.
    partitioned: set[str] = field(default_factory=set)
    seen_transaction_control: bool = False
    # Functions and types this migration creates (bare names), and types it renames away
    # (new name -> old name): dropping them again in the same migration (an enum swap through
    # a renamed type and helper functions) drops nothing other clients use.
    created_routines: set[str] = field(default_factory=set)
    created_types: set[str] = field(default_factory=set)
    renamed_types: dict[str, str] = field(default_factory=dict)
    # Rules that report once per migration remember here that they did.
    reported_once: set[str] = field(default_factory=set)
    # A rule's own memory of this migration so far (its id -> what it keeps): statements are
    # streamed, so a rule that judges several of them keeps what it needs here.
    rule_state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(
        cls, unit: Unit, options: LintOptions, facts: UnitFacts, disables_assume: bool
    ) -> Context:
        """``disables_assume``: the migration carries a disable-assume-in-transaction marker."""
        assume = (
            options.assume_in_transaction
            if unit.assume_in_transaction is None
            else unit.assume_in_transaction
        )
        if disables_assume:
            assume = False
        return cls(
            unit=unit,
            options=options,
            facts=facts,
            assumed_transaction=assume,
            in_transaction=assume,
            transaction_id=1 if assume else 0,
        )

    @property
    def pg_version(self) -> int:
        return self.options.pg_version

    @property
    def is_alembic(self) -> bool:
        return self.unit.kind is SourceKind.ALEMBIC

    def is_new_table(self, name: str) -> bool:
        return bare_name(name) in self.created_tables

    def is_partitioned(self, name: str) -> bool:
        return name in self.partitioned or bare_name(name) in self.partitioned

    def advance(self, stmt: Statement) -> None:
        node = stmt.node
        if isinstance(node, ast.TransactionStmt):
            self._transaction(stmt, node)
        elif isinstance(node, ast.VariableSetStmt):
            name = (node.name or "").lower()
            if name in TIMEOUT_SETTINGS:
                self.timeouts.add(name)
        elif isinstance(node, ast.CreateStmt | ast.CreateForeignTableStmt):
            base: Any = node.base if isinstance(node, ast.CreateForeignTableStmt) else node
            self.created_tables.add(bare_name(relation_name(base.relation)))
            if getattr(base, "partspec", None) is not None:
                self.partitioned.add(bare_name(relation_name(base.relation)))
        elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
            self.created_tables.add(bare_name(relation_name(node.into.rel)))
        elif isinstance(node, ast.AlterTableStmt):
            self._alter_table(node)
        else:
            self._routines_and_types(node)
        for column, table, _how, name in named_column_definitions(node):
            if column.typeName is not None:
                self.column_types[(bare_name(table), name)] = column.typeName

    def _routines_and_types(self, node: Any) -> None:
        if isinstance(node, ast.CreateFunctionStmt):
            self.created_routines.add(_last_name(node.funcname))
        elif isinstance(node, ast.CreateEnumStmt | ast.CreateRangeStmt):
            self.created_types.add(_last_name(node.typeName))
        elif isinstance(node, ast.CompositeTypeStmt) and node.typevar is not None:
            self.created_types.add(bare_name(relation_name(node.typevar)))
        elif isinstance(node, ast.CreateDomainStmt):
            self.created_types.add(_last_name(node.domainname))
        elif (
            isinstance(node, ast.RenameStmt)
            and node.renameType in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN)
            and isinstance(node.object, tuple)
        ):
            self.renamed_types[str(node.newname)] = _last_name(node.object)

    def drops_only_transient(self, node: Any) -> bool:
        """Whether a DROP FUNCTION/TYPE drops only what this migration created (or a type it
        renamed away and created again under the old name: the swap leaves that name in use)."""
        if not isinstance(node, ast.DropStmt) or not node.objects:
            return False
        names = [_dropped_name(o) for o in node.objects]
        if node.removeType in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
            return all(
                n in self.created_types or self.renamed_types.get(n) in self.created_types
                for n in names
            )
        return all(n in self.created_routines for n in names)

    def _transaction(self, stmt: Statement, node: Any) -> None:
        self.seen_transaction_control = True
        if node.kind in _BEGIN:
            if not self.in_transaction:
                self.in_transaction = True
                self.explicit_transaction = True
                self.transaction_id += 1
                self.begin_statement = stmt
        elif node.kind in _END:
            self.in_transaction = False
            self.explicit_transaction = False
            self.begin_statement = None

    def _alter_table(self, node: Any) -> None:
        table = bare_name(relation_name(node.relation))
        tx = self.transaction_id if self.in_transaction else -1
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(
                cmd.def_, ast.Constraint
            ):
                con = cmd.def_
                key = (table, str(con.conname or ""))
                self.added_constraints.add(key)
                # A DROP ... IF EXISTS makes one later ADD of that name re-runnable, not two.
                self.dropped_if_exists.discard(key)
                if con.skip_validation:
                    self.not_valid[key] = tx
                if con.contype == ConstrType.CONSTR_CHECK:
                    column = not_null_check_column(con)
                    if column:
                        self.check_columns[key] = column
                        if not con.skip_validation:
                            self.validated.add(key)
            elif cmd.subtype == AlterTableType.AT_ValidateConstraint:
                self.validated.add((table, str(cmd.name)))
            elif cmd.subtype == AlterTableType.AT_DropConstraint and cmd.missing_ok:
                self.dropped_if_exists.add((table, str(cmd.name)))


def _last_name(names: Any) -> str:
    parts = list(names or ())
    return str(getattr(parts[-1], "sval", "")) if parts else ""


def _dropped_name(obj: Any) -> str:
    if isinstance(obj, ast.ObjectWithArgs):
        return _last_name(obj.objname)
    if isinstance(obj, ast.TypeName):
        return _last_name(obj.names)
    return _last_name(obj if isinstance(obj, tuple) else (obj,))
