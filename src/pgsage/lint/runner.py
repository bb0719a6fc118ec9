"""The lint engine: inputs → units → (catalog) → rules → LintResult. The command
(pgsage.commands.lint) turns that into a Report; the tests read the engine's result directly."""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pgsage.errors import UsageError
from pgsage.lint.engine import Catalog, LintProgress, lint_units, select_rules, statements_of
from pgsage.lint.model import (
    DEFAULT_PG_VERSION,
    LintOptions,
    LintResult,
    SourceKind,
    Statement,
    Unit,
    UnitError,
)
from pgsage.lint.source_alembic import (
    looks_like_revision,
    newer_than,
    order_revisions,
    render_revision,
)

_BLOCK_BYTES = 1 << 20


def collect_units(
    paths: Sequence[Path], downgrade: bool = False
) -> tuple[list[Unit], list[UnitError]]:
    """SQL files as they are, Alembic revisions rendered offline (upgrade(), and downgrade()
    too with ``downgrade``); directories searched."""
    if not paths:
        raise UsageError("give .sql files, Alembic revision files or folders to lint")
    sql_files: list[Path] = []
    revision_files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
        if path.is_dir():
            sql_files.extend(sorted(path.rglob("*.sql")))
            revision_files.extend(
                p
                for p in sorted(path.rglob("*.py"))
                if "__pycache__" not in p.parts
                and p.name != "env.py"
                and looks_like_revision(_read(p))
            )
        elif path.suffix == ".sql":
            sql_files.append(path)
        elif path.suffix == ".py":
            if path.name == "__init__.py":
                continue  # pre-commit may pass a versions package's __init__.py
            if not looks_like_revision(_read(path)):
                raise UsageError(f"{path} is not an Alembic revision (no upgrade())")
            revision_files.append(path)
        else:
            raise UsageError(f"{path}: lint reads .sql files and Alembic revision .py files")
    if not sql_files and not revision_files:
        raise UsageError(
            "no .sql files or Alembic revisions found in: " + ", ".join(str(p) for p in paths)
        )
    units = _sql_units(list(dict.fromkeys(sql_files)))
    errors: list[UnitError] = []
    revisions: list[Unit] = []
    for path in dict.fromkeys(revision_files):
        rendered, error = render_revision(path, downgrade)
        revisions.extend(rendered)
        if error is not None:
            errors.append(error)
    return units + order_revisions(revisions), errors


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise UsageError(f"{path} is a binary file, not SQL or Python")
    return text


def _sql_units(files: list[Path]) -> list[Unit]:
    for path in files:
        _check_text(path)
    return [Unit(path=p, kind=SourceKind.SQL, sql="", from_file=True) for p in files]


def _check_text(path: Path) -> None:
    """The refusals of ``_read`` for a SQL file, read block by block: it is linted as a stream
    (any size) and must not fail half-way through."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    done = 0  # bytes given to the decoder
    try:
        with path.open("rb") as source:
            while True:
                block = source.read(_BLOCK_BYTES)
                pending = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(block, final=not block)
                except UnicodeDecodeError as exc:
                    byte = done - pending + exc.start
                    raise UsageError(f"{path} is not UTF-8 text (byte {byte})") from None
                if "\x00" in text:
                    raise UsageError(f"{path} is a binary file, not SQL or Python")
                if not block:
                    return
                done += len(block)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def lint(
    paths: Sequence[Path],
    *,
    pg_version: int | None = None,
    assume_in_transaction: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    since: str | None = None,
    dsn: str | None = None,
    downgrade: bool = False,
    progress: LintProgress | None = None,
) -> LintResult:
    rules = select_rules(select, ignore, extend_select)
    units, errors = collect_units(paths, downgrade)
    if since is not None:
        revisions = [u for u in units if u.kind is SourceKind.ALEMBIC]
        if not revisions:
            raise UsageError("--since needs Alembic revisions among the inputs")
        keep = {id(u) for u in newer_than(revisions, since)}
        units = [u for u in units if u.kind is SourceKind.SQL or id(u) in keep]
    catalog: Catalog | None = None
    notes: list[str] = []
    if dsn:
        from pgsage.lint.catalog import read_catalog, relation_parts

        # the names as identifiers from the parse tree, never parsed again from text
        tables = relation_parts(s for unit in units for s in statements_of(unit))
        catalog = read_catalog(dsn, tables)
        if pg_version is None:
            pg_version = catalog.server_version
            notes.append(f"PostgreSQL {pg_version} (from the server)")
    options = LintOptions(
        pg_version=pg_version or DEFAULT_PG_VERSION,
        assume_in_transaction=assume_in_transaction,
        select=tuple(select),
        ignore=tuple(ignore),
        since=since,
    )
    result = lint_units(units, options, rules, catalog, progress)
    flagged = _flagged_statements(result, units)
    result = _with_rendered_fixes(result, units, flagged)
    if dsn and any(r.id == "narrowing-column-type" for r in rules):
        narrowed = {
            (v.file, v.line, v.downgrade)
            for v in result.violations
            if v.rule == "narrowing-column-type"
        }
        result = _judged_by_the_data(
            result, dsn, [s for key, found in flagged.items() if key in narrowed for s in found]
        )
    return replace(result, errors=tuple(errors) + result.errors, notes=tuple(notes) + result.notes)


def _judged_by_the_data(result: LintResult, dsn: str, statements: list[Any]) -> LintResult:
    """With --dsn, a column narrowed to varchar(n) is judged by its longest existing value."""
    from pgsage.lint.longest import judged, narrowings, read_longest

    columns = narrowings(statements)
    if not any(v.rule == "narrowing-column-type" for v in result.violations):
        return result
    longest = read_longest(dsn, columns)
    return replace(result, violations=tuple(judged(result.violations, columns, longest)))


StatementKey = tuple[str, int, bool]  # (file, line, in a downgrade)


def _flagged_statements(
    result: LintResult, units: Sequence[Unit]
) -> dict[StatementKey, list[Statement]]:
    """The statements some violation points at, read again one by one (a SQL file streams: only
    those statements are kept, never the whole file)."""
    wanted = {(v.file, v.line, v.downgrade) for v in result.violations}
    files = {file for file, _, _ in wanted}
    found: dict[StatementKey, list[Statement]] = {}
    for unit in units:
        if str(unit.path) not in files:
            continue
        for stmt in statements_of(unit):
            key = (str(unit.path), stmt.line, unit.function == "downgrade")
            if key in wanted:
                found.setdefault(key, []).append(stmt)
    return found


def _with_rendered_fixes(
    result: LintResult, units: Sequence[Unit], at: dict[StatementKey, list[Statement]]
) -> LintResult:
    """Each violation's fix rendered for its own statement (table, column, type, name) where
    its rule can: the rules' texts are templates for the documentation."""
    from pgsage.lint.fixtext import rendered_fix

    revisions = {str(u.path) for u in units if u.kind is SourceKind.ALEMBIC}
    changed = []
    for violation in result.violations:
        alembic = violation.file in revisions
        fix = None
        for stmt in at.get((violation.file, violation.line, violation.downgrade), []):
            fix = rendered_fix(violation.rule, stmt)
            if fix is not None:
                break
        changed.append(replace(violation, fix=fix[1] if alembic else fix[0]) if fix else violation)
    return replace(result, violations=tuple(changed))
