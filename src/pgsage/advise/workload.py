"""Where the workload comes from: pg_stat_statements, a SQL file, or a PostgreSQL log.

* **pg_stat_statements** — the current database's statements, heaviest total time first, with
  ``--min-calls`` / ``--min-mean-ms`` filters; texts keep their ``$n`` placeholders.
* **A SQL file** — statements separated by ``;`` (split by pglast's scanner, so ``;`` inside
  strings and dollar quotes is safe); each weighs one call.
* **A PostgreSQL log** — ``log_min_duration_statement`` lines (``duration: … ms  statement:``
  and ``execute <name>:`` with the ``DETAIL:  parameters:`` line that follows), multi-line
  statements included. Statements that differ only in their constants are merged (pglast's
  fingerprint); calls and total time add up and the first text, with its literals, is kept.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pglast
import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.advise.defaults import DEFAULT_TOP
from pgsage.advise.model import WorkloadQuery
from pgsage.advise.searchpath import RolePaths
from pgsage.db.connect import one_line
from pgsage.errors import MissingExtension, MissingPrivilege, UsageError


@dataclass(frozen=True)
class StatementFilter:
    min_calls: int = 1
    min_mean_ms: float = 0.0
    top: int = DEFAULT_TOP


def from_statements(
    conn: psycopg.Connection[TupleRow], filters: StatementFilter
) -> list[WorkloadQuery]:
    """The current database's statements from pg_stat_statements, heaviest first."""
    row = conn.execute(
        "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_stat_statements'"
    ).fetchone()
    if row is None:
        raise MissingExtension(
            "pg_stat_statements is not installed in this database: add it to "
            "shared_preload_libraries and run CREATE EXTENSION pg_stat_statements, or give "
            "the workload with --queries FILE or --log FILE"
        )
    view = sql.Identifier(str(row[0]), "pg_stat_statements")
    columns = {
        str(r[0])
        for r in conn.execute(
            "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = %s::pg_catalog.regclass AND attnum > 0",
            (sql.Identifier(str(row[0]), "pg_stat_statements").as_string(conn),),
        ).fetchall()
    }
    total = sql.Identifier("total_exec_time" if "total_exec_time" in columns else "total_time")
    toplevel = sql.SQL(" AND s.toplevel") if "toplevel" in columns else sql.SQL("")
    # Per statement and role (the role's search_path decides which tables it names), for the
    # statements heaviest in all; the --min-calls/--min-mean-ms filters weigh all roles' calls.
    query = sql.SQL(
        "WITH per AS (SELECT s.query, s.userid, pg_catalog.sum(s.calls)::bigint AS calls, "
        "pg_catalog.sum(s.{total})::float8 AS total_ms "
        "FROM {view} s WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database "
        "WHERE datname = pg_catalog.current_database()){toplevel} "
        "AND s.query NOT LIKE '/* pgsage */%%' GROUP BY s.query, s.userid), "
        "top AS (SELECT query FROM per GROUP BY query HAVING pg_catalog.sum(calls) >= %s "
        "AND pg_catalog.sum(total_ms) / greatest(pg_catalog.sum(calls), 1) >= %s "
        "ORDER BY pg_catalog.sum(total_ms) DESC, query LIMIT %s) "
        "SELECT per.query, per.userid::bigint, r.rolname::text, per.calls, per.total_ms "
        "FROM per JOIN top ON top.query = per.query "
        "LEFT JOIN pg_catalog.pg_roles r ON r.oid = per.userid "
        "ORDER BY per.total_ms DESC, per.query, per.userid"
    ).format(total=total, view=view, toplevel=toplevel)
    try:
        with conn.transaction():
            rows = conn.execute(
                query, (filters.min_calls, filters.min_mean_ms, filters.top)
            ).fetchall()
    except psycopg.Error as exc:
        raise MissingExtension(f"cannot read pg_stat_statements: {one_line(str(exc))}") from None
    paths = RolePaths.load(conn)
    merged: dict[tuple[str, tuple[str, ...] | None], WorkloadQuery] = {}
    for text, userid, role, calls, total_ms in rows:
        if _TRANSACTION_CONTROL.match(str(text)):
            continue
        hidden = str(text) == HIDDEN_TEXT
        resolution = None if hidden else paths.of(int(userid), role)
        key = (str(text), resolution.schemas if resolution else None)
        found = merged.get(key)
        if found is None:  # the heaviest role's resolution names the statement's path
            merged[key] = WorkloadQuery(
                text=str(text),
                calls=int(calls),
                total_ms=float(total_ms),
                source="pg_stat_statements",
                resolution=resolution,
            )
        else:
            merged[key] = replace(
                found, calls=found.calls + int(calls), total_ms=found.total_ms + float(total_ms)
            )
    queries = sorted(merged.values(), key=lambda q: (-q.total_ms, q.text, _path_key(q)))
    if queries and all(q.text == HIDDEN_TEXT for q in queries):
        raise MissingPrivilege(hidden_texts_hint(conn.info.user))
    return queries


def _path_key(query: WorkloadQuery) -> str:
    return query.resolution.path if query.resolution is not None else ""


# What pg_stat_statements shows a role without pg_read_all_stats instead of another role's
# statement (all of them grouped in one row here).
HIDDEN_TEXT = "<insufficient privilege>"


def hidden_texts_hint(user: str) -> str:
    from pgsage.fixes.quoting import ident

    return (
        f"the statements of other roles in pg_stat_statements are hidden from {user} "
        f"(<insufficient privilege>): GRANT pg_read_all_stats TO {ident(user)}; or give the "
        "workload with --queries FILE or --log FILE"
    )


# Savepoints, transaction control and prepared-statement housekeeping are nobody's workload
# (pg_stat_statements may store them without their leading /* pgsage */ comment).
_TRANSACTION_CONTROL = re.compile(
    r"\s*(?:SAVEPOINT|RELEASE|ROLLBACK|BEGIN|START\s+TRANSACTION|COMMIT|END|ABORT|DEALLOCATE)\b",
    re.I,
)


def from_file(path: Path, *, strict: bool = False) -> list[WorkloadQuery]:
    """Statements of a SQL file, separated by ``;``. A statement that does not parse is kept
    (with its ``file:line``) for the advisor to skip with the parser's message; with
    ``strict`` it is a usage error that names its line."""
    text = _read(path)
    queries = []
    for line, statement in _split(text):
        try:
            pglast.parse_sql(statement)
            where = line
        except pglast.parser.ParseError as exc:
            at = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
            where = line + statement[:at].count("\n")
            if strict:
                raise UsageError(f"{path}:{where}: {one_line(str(exc.args[0]))}") from None
        except (ValueError, RecursionError):
            where = line
            if strict:
                raise UsageError(f"{path}:{line}: {parse_error(statement)}") from None
        # "-- what this is" lines above a statement are for the file's reader, not the
        # report (block comments stay: /*+ ... */ may be a planner hint).
        queries.append(
            WorkloadQuery(
                text=_LEADING_LINE_COMMENTS.sub("", statement),
                source="file",
                origin=f"{path.name}:{where}",
            )
        )
    return queries


_LEADING_LINE_COMMENTS = re.compile(r"\A(?:[ \t]*--[^\n]*\n\s*)+")


# pg_stat_statements replaces the literal of a typed literal (``interval '1 day'``) and leaves
# ``interval $1``: pglast's grammar takes it, PostgreSQL's does not. Planned as ``$1::interval``.
_TYPED_PLACEHOLDER = re.compile(
    r"\b(interval|timestamptz|timetz|date|inet|cidr|uuid|jsonb|json|boolean|bool|numeric"
    r"|bigint|integer|smallint|int[248]?|real|float[48]|text|bytea|money|regconfig"
    r"|(?:timestamp|time)(?:\s+with(?:out)?\s+time\s+zone)?)\s+\$(\d+)\b",
    re.I,
)


def typed_placeholders(text: str) -> str:
    """``interval $1`` (a normalised typed literal) as ``$1::interval``, which the server
    parses; any other text unchanged."""
    return _TYPED_PLACEHOLDER.sub(lambda m: f"${m.group(2)}::{' '.join(m.group(1).split())}", text)


def parse_error(text: str) -> str | None:
    """pglast's message when ``text`` does not parse, else None."""
    try:
        pglast.parse_sql(text)
    except pglast.parser.ParseError as exc:
        return one_line(str(exc.args[0] if exc.args else exc))
    except (ValueError, RecursionError) as exc:
        return one_line(str(exc)) or type(exc).__name__
    return None


def split_statements(text: str) -> list[str]:
    """Statements at each ``;`` token of PostgreSQL's scanner (never inside strings, quoted
    names, dollar quotes or comments). Unlike pglast.split, a statement that does not parse is
    kept, so that it can be reported."""
    return [statement for _, statement in _split(text)]


def _split(text: str) -> list[tuple[int, str]]:
    """``split_statements`` with the line each statement starts on. pglast's scanner gives
    CHARACTER offsets of the text (it maps PostgreSQL's byte offsets back), so the text is cut
    as a ``str``: a ``'Rhönbräu'`` before a ``;`` shifts nothing."""
    parts: list[tuple[int, str]] = []  # (character offset, text)
    start = 0
    try:
        tokens = pglast.parser.scan(text)
    except (pglast.parser.ParseError, ValueError):
        tokens = []
        offset = 0
        for piece in text.split(";"):
            parts.append((offset, piece))
            offset += len(piece) + 1
    for token in tokens:
        if token.name == "ASCII_59":
            parts.append((start, text[start : token.start]))
            start = token.end + 1
    if tokens:
        parts.append((start, text[start:]))
    found = []
    for offset, part in parts:
        if not part.strip() or _only_comments(part):
            continue
        lead = len(part) - len(part.lstrip())
        line = text[:offset].count("\n") + part[:lead].count("\n") + 1
        found.append((line, part.strip()))
    return found


def _only_comments(text: str) -> bool:
    stripped = re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    return not stripped.strip()


# -- logs ------------------------------------------------------------------------------------
_LINE = re.compile(
    r"(?:LOG|LOCATION|STATEMENT|DETAIL|ERROR|WARNING|HINT|CONTEXT|FATAL):\s{2}(?P<body>.*)$"
)
_DURATION = re.compile(
    r"^duration: (?P<ms>[0-9.]+) ms\s+(?:(?:statement)|(?:execute [^:]*)): (?P<sql>.*)$", re.S
)
_PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


@dataclass
class _Entry:
    ms: float
    text: str
    params: tuple[str | None, ...] = ()


def from_log(path: Path) -> list[WorkloadQuery]:
    """Statements of a PostgreSQL log with log_min_duration_statement lines: the plain
    (stderr) format, csvlog or jsonlog (PostgreSQL 15+), told apart by their content."""
    merged: dict[str, WorkloadQuery] = {}
    for entry in _entries_of(_read(path)):
        text = entry.text.strip().rstrip(";")
        try:
            key = pglast.parser.fingerprint(text)
        except (pglast.parser.ParseError, ValueError):
            key = text
        found = merged.get(key)
        if found is None:
            merged[key] = WorkloadQuery(
                text=text, calls=1, total_ms=entry.ms, source="log", params=entry.params
            )
        else:
            merged[key] = replace(
                found,
                calls=found.calls + 1,
                total_ms=found.total_ms + entry.ms,
                varied=found.varied or found.text != text,
            )
    return sorted(merged.values(), key=lambda q: (-q.total_ms, q.text))


def _entries_of(text: str) -> Iterator[_Entry]:
    first = text.lstrip()[:1]
    if first == "{":
        return _json_entries(text.splitlines())
    if _CSV_START.match(text.lstrip()):
        return _csv_entries(text)
    return _log_entries(text.splitlines())


# csvlog rows start with the log time, then the user name: 2026-12-04 17:20:01.123 UTC,"app",
_CSV_START = re.compile(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [^,]*,(?:"|,)')
# Fixed columns of csvlog (the same from PostgreSQL 13 on; later versions only append).
_CSV_SEVERITY, _CSV_MESSAGE, _CSV_DETAIL = 11, 13, 14


def _csv_entries(text: str) -> Iterator[_Entry]:
    """csvlog: one row per message, the statement (newlines and all) in the message field
    and the bound values in the detail field of the same row."""
    for row in csv.reader(io.StringIO(text, newline="")):
        if len(row) > _CSV_DETAIL and row[_CSV_SEVERITY] == "LOG":
            entry = _entry(row[_CSV_MESSAGE], row[_CSV_DETAIL])
            if entry is not None:
                yield entry


def _json_entries(lines: Iterable[str]) -> Iterator[_Entry]:
    """jsonlog: one JSON object per line, with "message" and "detail" as in csvlog. A line
    that is not JSON (a truncated last line) is passed over."""
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("error_severity") == "LOG":
            entry = _entry(str(record.get("message", "")), str(record.get("detail", "")))
            if entry is not None:
                yield entry


def _entry(message: str, detail: str) -> _Entry | None:
    duration = _DURATION.match(message)
    if duration is None:
        return None
    params = _parameters(detail) if detail.lower().startswith("parameters:") else ()
    return _Entry(float(duration.group("ms")), duration.group("sql"), params)


def _log_entries(lines: Iterable[str]) -> Iterator[_Entry]:
    """The statement and execute entries of a log. Continuation lines (a multi-line
    statement) and the ``DETAIL:  parameters:`` line belong to the message right above them,
    so any other message (``parse``/``bind`` durations, errors, checkpoints…) closes the entry
    before it."""
    current: _Entry | None = None
    open_ = False  # whether the next continuation or DETAIL line belongs to ``current``
    for line in lines:
        match = _LINE.search(line)
        if match is None:
            if open_ and current is not None and line.startswith(("\t", " ")):
                current.text += "\n" + line.strip()
            continue
        body = match.group("body")
        if body.lower().startswith("parameters:"):  # "Parameters:" since PostgreSQL 16
            if open_ and current is not None:
                current.params = _parameters(body)
            open_ = False
            continue
        duration = _DURATION.match(body)
        if duration is None:
            open_ = False
            continue
        if current is not None:
            yield current
        current = _Entry(float(duration.group("ms")), duration.group("sql"))
        open_ = True
    if current is not None:
        yield current


def _parameters(body: str) -> tuple[str | None, ...]:
    values: dict[int, str | None] = {}
    for number, value in _PARAM.findall(body):
        values[int(number)] = None if value == "NULL" else value[1:-1].replace("''", "'")
    if not values:
        return ()
    return tuple(values.get(n) for n in range(1, max(values) + 1))


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"file not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise UsageError(f"{path} is a binary file, not SQL or a log")
    if not text.strip():
        raise UsageError(f"{path} is empty: no statements to advise on")
    return text
