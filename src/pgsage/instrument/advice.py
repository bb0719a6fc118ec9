"""The fix for each kind of N+1: the loader option and a code example, as data."""

from __future__ import annotations

from pgsage.instrument.findings import Fix


def lazy_load_fix(relationship: str, *, uselist: bool, parent_joins_target: bool) -> Fix:
    """``relationship`` is "Parent.attribute" as it is written in a loader option."""
    parent = relationship.split(".", 1)[0]
    if uselist:
        return Fix(
            summary=(
                f"load {relationship} for all parents at once with selectinload "
                "(one extra query, whatever the number of parents)"
            ),
            code=f"select({parent}).options(selectinload({relationship}))",
            loader_option="selectinload",
        )
    if parent_joins_target:
        return Fix(
            summary=(
                f"the parent query already joins the related table: fill {relationship} "
                "from that join with contains_eager"
            ),
            code=f"select({parent}).join({relationship}).options(contains_eager({relationship}))",
            loader_option="contains_eager",
        )
    return Fix(
        summary=(
            f"load the many-to-one {relationship} in the parent query with joinedload "
            "(one query, a LEFT OUTER JOIN)"
        ),
        code=f"select({parent}).options(joinedload({relationship}))",
        loader_option="joinedload",
    )


def repeated_statement_fix(table: str | None, columns: tuple[str, ...]) -> Fix:
    target = table or "the table"
    if columns:
        column = columns[0]
        code = (
            f"# one statement for every key instead of one per loop iteration\n"
            f"rows = session.execute(\n"
            f"    select(...).where({target}.c.{column}.in_(keys))\n"
            f").all()  # then group the rows by {column} in Python"
        )
        summary = (
            f"the same statement on {target} runs once per loop iteration: collect the "
            f"{column} values and run one statement with IN (...) / = ANY(...), or load "
            "the rows together with their parents (selectinload)"
        )
    else:
        code = (
            "# run the statement once, before the loop, and reuse its result\n"
            "result = session.execute(stmt).all()"
        )
        summary = (
            f"the same statement on {target} runs once per loop iteration: run it once "
            "for all iterations, or load the rows with the parent query (selectinload)"
        )
    return Fix(summary=summary, code=code, loader_option="selectinload" if columns else None)


def expired_refresh_fix() -> Fix:
    return Fix(
        summary=(
            "objects expired by a commit are reloaded with one SELECT each when touched: "
            "keep them loaded (expire_on_commit=False) or re-select them in one query"
        ),
        code="SessionLocal = sessionmaker(engine, expire_on_commit=False)",
        loader_option=None,
    )
