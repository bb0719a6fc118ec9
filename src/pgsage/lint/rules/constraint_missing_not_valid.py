"""CHECK/FOREIGN KEY constraints should be added NOT VALID and validated in another transaction."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType, ConstrType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import alter_commands, bare_name, relation_name

_VALIDATED_KINDS = (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN)


class ConstraintMissingNotValid(Rule):
    id = "constraint-missing-not-valid"
    aliases = ("constraint-missing-not-valid",)
    group = Group.LOCKING
    size_graded = True
    summary = (
        "A CHECK or FOREIGN KEY constraint added without NOT VALID, or validated in the "
        "transaction that added it."
    )
    why = (
        "Without NOT VALID, every row is checked while ALTER TABLE holds its lock (ACCESS "
        "EXCLUSIVE for CHECK). VALIDATE CONSTRAINT only needs SHARE UPDATE EXCLUSIVE, but "
        "inside the transaction that added the constraint the stronger lock is still held."
    )
    fix_sql = (
        "ALTER TABLE t ADD CONSTRAINT t_c_positive CHECK (c > 0) NOT VALID;\n"
        "COMMIT;  -- or a separate migration\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_c_positive;"
    )
    deviations = (
        "UNIQUE and PRIMARY KEY constraints cannot be NOT VALID; squawk reports them "
        "here too, pgsage under disallowed-unique-constraint and "
        "adding-serial-primary-key-field, with the USING INDEX rewrite."
    )
    fix_alembic = (
        "op.create_check_constraint('t_c_positive', 't', 'c > 0',\n"
        "                          postgresql_not_valid=True)\n"
        "# next revision:\n"
        "op.execute('ALTER TABLE t VALIDATE CONSTRAINT t_c_positive')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table:
            return
        for cmd in alter_commands(
            stmt.node, AlterTableType.AT_AddConstraint, AlterTableType.AT_ValidateConstraint
        ):
            if cmd.subtype == AlterTableType.AT_ValidateConstraint:
                added_in = ctx.not_valid.get((bare_name(table), str(cmd.name)))
                if ctx.in_transaction and added_in == ctx.transaction_id:
                    yield Hit(
                        f"constraint {cmd.name} is validated in the transaction that added "
                        "it, which still holds the ALTER TABLE lock: validate it in a "
                        "separate transaction",
                        table=table,
                    )
                continue
            con = cmd.def_
            if (
                con.contype in _VALIDATED_KINDS
                and not con.skip_validation
                and not ctx.is_new_table(table)
            ):
                kind = "CHECK" if con.contype == ConstrType.CONSTR_CHECK else "FOREIGN KEY"
                lock = "an ACCESS EXCLUSIVE" if kind == "CHECK" else "a SHARE ROW EXCLUSIVE"
                yield Hit(
                    f"adding {kind} constraint {con.conname or ''} on {table} checks every "
                    f"row under {lock} lock; add it NOT VALID and VALIDATE it "
                    "separately".replace("  ", " "),
                    table=table,
                )
