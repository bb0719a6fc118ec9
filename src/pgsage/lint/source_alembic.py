"""Alembic revisions → SQL, one unit per revision, with Alembic's offline (``as_sql``) mode.

Each revision's ``upgrade()`` runs against an offline PostgreSQL MigrationContext, so ``op.*``
calls and ``op.execute`` texts are rendered exactly as ``alembic upgrade --sql`` would, without
the project's env.py or a database. The output buffer records, for every statement written,
the line of the revision file that emitted it (from the call stack) and whether it was written
inside ``autocommit_block()`` (which offline mode renders as COMMIT … BEGIN).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from pgsage.errors import UsageError
from pgsage.lint.model import SourceKind, Unit, UnitError

_UPGRADE = re.compile(r"^def upgrade\(", re.MULTILINE)
_TIMEOUT_SETTINGS = ("lock_timeout", "statement_timeout")


def looks_like_revision(text: str) -> bool:
    return bool(_UPGRADE.search(text)) and "revision" in text


class _RecordingBuffer(io.StringIO):
    """Collects the rendered SQL and, per write, (offset, revision line, in autocommit block)."""

    def __init__(self, filename: str) -> None:
        super().__init__()
        self.filename = filename
        self.chunks: list[tuple[int, int | None, bool]] = []
        self.running = False
        self.in_block = False
        # existing_type= of op.alter_column, attached to the statements it renders next.
        self.pending_types: list[tuple[str, str, str]] = []
        self.type_hints: dict[int, tuple[tuple[str, str, str], ...]] = {}

    def write(self, text: str) -> int:
        offset = self.tell()
        statement = text.strip().rstrip(";").strip().upper()
        if self.running and statement == "COMMIT":
            self.in_block = True
        elif self.running and statement == "BEGIN":
            self.in_block = False
        self.chunks.append((offset, self._caller_line(), self.in_block))
        if self.pending_types:
            self.type_hints[offset] = tuple(self.pending_types)
        return super().write(text)

    def _caller_line(self) -> int | None:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.filename:
                return frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return None


@contextmanager
def _project_on_path() -> Iterator[None]:
    # Revisions may import the application (models, helpers) relative to the project root,
    # as alembic.ini's `prepend_sys_path = .` allows.
    cwd = str(Path.cwd())
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        yield
    finally:
        if added and cwd in sys.path:
            sys.path.remove(cwd)


def _load_module(path: Path) -> ModuleType:
    name = "_pgsage_revision_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _down_revisions(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _preset_settings(path: Path) -> frozenset[str]:
    """Timeouts the project's env.py sets for every revision (searched up to two levels)."""
    for folder in (path.parent, path.parent.parent):
        env = folder / "env.py"
        if env.is_file():
            text = env.read_text(encoding="utf-8", errors="replace")
            return frozenset(name for name in _TIMEOUT_SETTINGS if name in text)
    return frozenset()


def _function_lines(text: str) -> dict[str, tuple[int, int]]:
    """First and last line of the module-level upgrade() and downgrade() definitions."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    return {
        node.name: (node.lineno, node.end_lineno or node.lineno)
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade")
    }


def render_revision(path: Path, downgrade: bool = False) -> tuple[list[Unit], UnitError | None]:
    """One revision file → a unit of rendered SQL for upgrade() (and, with ``downgrade``, one
    for downgrade(), which runs in its own transaction), or an error if it cannot be imported."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        with _project_on_path():
            module = _load_module(path)
    except (Exception, SystemExit) as exc:  # module-level exit() too
        return [], UnitError(str(path), f"cannot import the revision: {type(exc).__name__}: {exc}")
    spans = _function_lines(text)
    units = [_render_function(path, text, module, "upgrade", spans)]
    if downgrade and callable(getattr(module, "downgrade", None)):
        units.append(_render_function(path, text, module, "downgrade", spans))
    return units, None


def _render_function(
    path: Path, text: str, module: ModuleType, name: str, spans: dict[str, tuple[int, int]]
) -> Unit:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    first_line = spans[name][0] if name in spans else None
    if first_line is None and name == "upgrade":
        match = _UPGRADE.search(text)
        first_line = text.count("\n", 0, match.start()) + 1 if match else None
    upgrade = getattr(module, name, None)
    code = getattr(upgrade, "__code__", None)
    # The loader records the absolute file name in the code objects; match frames against it.
    buffer = _RecordingBuffer(code.co_filename if code else str(path.resolve()))
    context = MigrationContext.configure(
        dialect_name="postgresql",
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    problem: tuple[int, str] | None = None
    _record_existing_types(context, buffer)
    _render_bind_commit(context)
    context.impl.emit_begin()
    buffer.running = True
    try:
        if not callable(upgrade):
            raise UsageError(f"no {name}() function")
        with Operations.context(context):
            upgrade()
    except (Exception, SystemExit) as exc:  # revision code: exit() must not end pgsage
        line = _failing_line(exc, buffer.filename) or first_line or 1
        hint = (
            " (op.get_bind() has no connection in offline mode)" if "NoneType" in str(exc) else ""
        )
        problem = (
            line,
            f"{name}() cannot be rendered offline from here{hint}: "
            f"{type(exc).__name__}: {exc}; the statements before were linted",
        )
    buffer.running = False
    context.impl.emit_commit()
    other = spans.get("downgrade" if name == "upgrade" else "upgrade")
    return Unit(
        path=path,
        kind=SourceKind.ALEMBIC,
        sql=buffer.getvalue(),
        revision=str(getattr(module, "revision", "") or "") or None,
        down_revisions=_down_revisions(getattr(module, "down_revision", None)),
        chunk_lines=buffer.chunks,
        source_text=text,
        upgrade_line=first_line,
        preset_settings=_preset_settings(path),
        render_problem=problem,
        type_hints=buffer.type_hints,
        function=name,
        other_function_lines=other,
    )


def _record_existing_types(context: Any, buffer: _RecordingBuffer) -> None:
    """Remember op.alter_column(existing_type=...) so a type change can be judged offline:
    Alembic autogenerate always writes the old type there, the rendered SQL does not."""
    impl = context.impl
    original = impl.alter_column
    dialect = context.dialect

    def alter_column(table_name: str, column_name: str, **kw: Any) -> Any:
        existing, new = kw.get("existing_type"), kw.get("type_")
        if existing is not None and new is not None:
            try:
                spelled = str(existing.compile(dialect=dialect))
            except Exception:  # a type the dialect cannot spell: judge without it
                spelled = ""
            if spelled:
                table = f"{kw['schema']}.{table_name}" if kw.get("schema") else table_name
                buffer.pending_types = [(table, column_name, spelled)]
        try:
            return original(table_name, column_name, **kw)
        finally:
            buffer.pending_types = []

    impl.alter_column = alter_column


def _render_bind_commit(context: Any) -> None:
    """``op.get_bind().commit()`` (closing the transaction before ``autocommit_block()``, as
    warehouse does) ends the transaction and the next statement begins another: COMMIT, BEGIN.
    Offline, the bind is a mock without commit()."""
    impl = context.impl
    bind = getattr(impl, "bind", None)
    if bind is None or hasattr(bind, "commit"):
        return

    def commit() -> None:
        impl.emit_commit()
        impl.emit_begin()

    try:
        bind.commit = commit
    except AttributeError:  # a bind that takes no attributes: left as it is
        return


def _failing_line(exc: BaseException, filename: str) -> int | None:
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def order_revisions(units: Sequence[Unit]) -> list[Unit]:
    """Base first, each revision after its down revisions; ties by file name. A revision's
    downgrade() unit (--downgrade) follows its upgrade() unit."""
    downgrades = {u.path: u for u in units if u.function == "downgrade"}
    upgrades = [u for u in units if u.function != "downgrade"]
    return [v for u in _order(upgrades) for v in (u, downgrades.get(u.path)) if v is not None]


def _order(units: Sequence[Unit]) -> list[Unit]:
    by_id = {u.revision: u for u in units if u.revision}
    placed: set[str] = set()
    ordered: list[Unit] = []
    pending = sorted(units, key=lambda u: str(u.path))
    while pending:
        progressed = False
        for unit in list(pending):
            parents = [d for d in unit.down_revisions if d in by_id]
            if all(p in placed for p in parents):
                ordered.append(unit)
                placed.add(unit.revision or str(unit.path))
                pending.remove(unit)
                progressed = True
        if not progressed:  # a cycle or duplicate ids: keep the rest in file order
            ordered.extend(pending)
            break
    return ordered


def newer_than(units: Sequence[Unit], since: str) -> list[Unit]:
    """The revisions descending from ``since`` (an id or a unique prefix), not ``since`` itself."""
    ids = sorted({u.revision for u in units if u.revision})
    matches = [r for r in ids if r == since] or [r for r in ids if r.startswith(since)]
    if len(matches) != 1:
        what = "is ambiguous" if matches else "is not among the linted revisions"
        raise UsageError(f"--since {since} {what}")
    children: dict[str, list[str]] = {}
    for unit in units:
        for parent in unit.down_revisions:
            children.setdefault(parent, []).append(unit.revision or "")
    newer: set[str] = set()
    queue = list(children.get(matches[0], []))
    while queue:
        current = queue.pop()
        if current and current not in newer:
            newer.add(current)
            queue.extend(children.get(current, []))
    return [u for u in units if u.revision in newer]
