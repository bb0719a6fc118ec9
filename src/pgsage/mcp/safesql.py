"""Read-only SQL for the MCP server, safe by construction rather than by allow-list alone.

Every statement an MCP client sends goes through four layers, each of which would stop the
classic bypasses on its own:

1. **Parse** with libpg_query (pglast): exactly one statement (``COMMIT; DROP ...`` is refused
   before any server sees it), of an allowed kind (SELECT/VALUES/TABLE, EXPLAIN, SHOW), without
   ``SELECT ... INTO``, ``FOR UPDATE/SHARE`` or data-modifying CTEs anywhere in the tree.
2. **Functions**: every function call in the tree — in the target list, WHERE, JOIN, and table
   functions in FROM (``SELECT * FROM pg_read_file(...)``, the known bypass of other servers) —
   and every operator is checked against a deny-list of functions that touch files, other
   sessions, locks, settings, sequences or run SQL text (never allowed), then against
   ``pg_proc.provolatile`` on the server: volatile functions are refused unless allowed by name.
   User views are checked for the functions they call as well.
3. **Session**: the statement that runs is the one that was checked (deparsed from the tree,
   sent with the extended protocol, which refuses several statements too), on a session with
   ``default_transaction_read_only``, in a ``READ ONLY`` transaction that is always rolled
   back, with server-side ``statement_timeout``/``lock_timeout``.
4. **Results** are capped in rows (a server-side cursor fetches no more than the cap) and bytes.

What a function or view does *internally* is bounded by the read-only transaction and the
privileges of the role: connect with a read role (``pg_monitor``, ``pg_read_all_data`` or a
dedicated one), never a superuser — :func:`role_check` warns about it.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.db.connect import SessionOptions, connect, one_line, translate
from pgsage.errors import PgsageError

Purpose = Literal["run", "explain", "plan"]

# Functions never called, whatever --allow-function says: files, large objects, other sessions
# and backends, advisory locks, settings, sequences, SQL text executed by a function, stats
# resets, replication and server control, remote databases.
DENIED_PREFIXES = (
    "pg_read_",
    "pg_ls_",
    "pg_file_",
    "pg_stat_file",
    "lo_",
    "dblink",
    "pg_advisory",
    "pg_try_advisory",
    "pg_stat_reset",
    "pg_stat_statements_reset",
    "pg_replication_",
    "pg_create_",
    "pg_drop_replication",
    "pg_copy_",
    "pg_logical_",
    "pg_wal_",
    "pg_backup_",
    "query_to_xml",
    "cursor_to_xml",
    "pg_sleep",
)
DENIED_NAMES = frozenset(
    {
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_signal_backend",
        "pg_log_backend_memory_contexts",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_promote",
        "pg_switch_wal",
        "pg_start_backup",
        "pg_stop_backup",
        "pg_import_system_collations",
        "pg_export_snapshot",
        "pg_notify",
        "nextval",
        "setval",
        "set_config",
        "loread",
        "lowrite",
        "ts_stat",
        "txid_current",
        "pg_current_xact_id",
        "hypopg_create_index",  # only the explain tool creates hypothetical indexes
        "hypopg_reset",
        "hypopg_drop_index",
        "hypopg_hide_index",
    }
)
# Volatile built-ins that only read (sizes, clocks, random numbers, statistics): allowed.
DEFAULT_ALLOWED_VOLATILE = frozenset(
    {
        "pg_relation_size",
        "pg_total_relation_size",
        "pg_table_size",
        "pg_indexes_size",
        "pg_database_size",
        "pg_tablespace_size",
        "random",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "pg_stat_get_activity",
        "pg_lock_status",
        "pg_blocking_pids",
        "pg_stat_statements",
        "pg_stat_get_backend_pid",
    }
)
WRITE_NODES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
ALLOWED_KINDS: dict[Purpose, frozenset[str]] = {
    "run": frozenset({"SelectStmt", "ExplainStmt", "VariableShowStmt"}),
    # what EXPLAIN (without ANALYZE) may plan: DML is planned, never executed
    "explain": frozenset({"SelectStmt", *WRITE_NODES}),
    # the advisor's workload: planned with PREPARE/EXPLAIN in a rolled-back read-only session
    "plan": frozenset({"SelectStmt", *WRITE_NODES}),
}
_KIND_NAMES = {
    "SelectStmt": "SELECT",
    "ExplainStmt": "EXPLAIN",
    "VariableShowStmt": "SHOW",
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
    "TransactionStmt": "a transaction command (BEGIN/COMMIT/ROLLBACK/SAVEPOINT)",
    "VariableSetStmt": "SET",
    "CopyStmt": "COPY",
    "DoStmt": "DO",
    "CallStmt": "CALL",
    "PrepareStmt": "PREPARE",
    "ExecuteStmt": "EXECUTE",
    "ListenStmt": "LISTEN",
    "NotifyStmt": "NOTIFY",
    "VacuumStmt": "VACUUM/ANALYZE",
    "LockStmt": "LOCK",
}


class Refused(PgsageError):
    """A statement the MCP server will not run; the message says why."""


@dataclass(frozen=True)
class SqlPolicy:
    statement_timeout_ms: int = 10_000
    lock_timeout_ms: int = 1_000
    max_rows: int = 500
    max_bytes: int = 512 * 1024
    max_value_chars: int = 10_000
    allow_analyze: bool = False
    # Volatile functions allowed besides DEFAULT_ALLOWED_VOLATILE ("name" or "schema.name");
    # the deny-list is never overridden.
    allowed_functions: frozenset[str] = frozenset()
    application_name: str = "pgsage-mcp"

    def session(self) -> SessionOptions:
        return SessionOptions(
            statement_timeout_ms=self.statement_timeout_ms,
            lock_timeout_ms=self.lock_timeout_ms,
            application_name=self.application_name,
            read_only=True,
        )


QualName = tuple[str | None, str]


@dataclass(frozen=True)
class Checked:
    """A statement that passed the parse-tree checks; ``text`` is what will run."""

    kind: str  # the parse node: SelectStmt, ExplainStmt, VariableShowStmt, ...
    text: str
    functions: tuple[QualName, ...] = ()
    operators: tuple[QualName, ...] = ()
    relations: tuple[QualName, ...] = ()
    analyze: bool = False
    explained_kind: str | None = None  # for EXPLAIN: the kind of the explained statement


def _names(items: list[Any]) -> QualName:
    parts = [str(i.get("String", {}).get("sval", "")) for i in items]
    if len(parts) == 1:
        return (None, parts[0])
    return (parts[-2], parts[-1])


def is_denied(name: str) -> bool:
    lowered = name.lower()
    return lowered in DENIED_NAMES or lowered.startswith(DENIED_PREFIXES)


def _label(name: QualName) -> str:
    return f"{name[0]}.{name[1]}" if name[0] else name[1]


@dataclass
class _Walk:
    functions: list[QualName] = field(default_factory=list)
    operators: list[QualName] = field(default_factory=list)
    relations: list[QualName] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def visit(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self.visit(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in WRITE_NODES:
                self.problems.append(
                    f"a data-modifying statement ({_KIND_NAMES[key]}) inside the query "
                    "(e.g. a writable CTE) is not allowed"
                )
            elif key == "FuncCall":
                self.functions.append(_names(value.get("funcname", [])))
            elif key == "A_Expr" and value.get("name"):
                self.operators.append(_names(value["name"]))
            elif key == "RangeVar":
                self.relations.append((value.get("schemaname"), str(value.get("relname", ""))))
            elif key == "lockingClause" and value:
                self.problems.append("SELECT ... FOR UPDATE/SHARE (row locks) is not allowed")
            elif key == "intoClause" and value:
                self.problems.append("SELECT ... INTO (creates a table) is not allowed")
            self.visit(value)


def _parse(text: str) -> tuple[dict[str, Any], Any]:
    from pglast import parse_sql
    from pglast.parser import ParseError, parse_sql_json

    if "\x00" in text:
        raise Refused("the SQL text contains a NUL byte")
    try:
        tree = json.loads(parse_sql_json(text))
        stmts = parse_sql(text)
    except ParseError as exc:
        raise Refused(f"the SQL does not parse: {exc}") from None
    raws = tree.get("stmts", [])
    if not raws:
        raise Refused("no SQL statement given")
    if len(raws) > 1:
        raise Refused(
            f"exactly one statement per call: {len(raws)} were given "
            "(text after a ';' is refused, not run)"
        )
    stmt = raws[0].get("stmt", {})
    return stmt, stmts[0]


def _deparse(node: Any) -> str:
    from pglast.stream import RawStream

    try:
        return str(RawStream()(node))
    except Exception as exc:  # pglast raises plain exceptions for constructs it cannot print
        raise Refused(f"the statement cannot be re-printed for checking: {exc}") from None


def check_sql(text: str, policy: SqlPolicy, purpose: Purpose = "run") -> Checked:
    """The parse-tree checks (no server needed); raises :class:`Refused`."""
    tree, ast = _parse(text)
    kind = next(iter(tree), "")
    if kind not in ALLOWED_KINDS[purpose]:
        allowed = {
            "run": "SELECT (VALUES, TABLE), EXPLAIN and SHOW",
            "explain": "SELECT, INSERT, UPDATE, DELETE and MERGE (without EXPLAIN)",
            "plan": "SELECT, INSERT, UPDATE, DELETE and MERGE",
        }[purpose]
        raise Refused(
            f"{_KIND_NAMES.get(kind, kind.removesuffix('Stmt').upper() or 'this statement')} "
            f"is not allowed: only {allowed} statements are accepted"
        )
    body = tree[kind]
    analyze = False
    explained: str | None = None
    if kind == "ExplainStmt":
        options = {
            str(o["DefElem"]["defname"]).lower(): o["DefElem"].get("arg")
            for o in body.get("options", [])
        }
        analyze = "analyze" in options and _truthy(options["analyze"])
        explained = next(iter(body.get("query", {})), "")
        if explained not in ALLOWED_KINDS["explain"]:
            raise Refused(f"EXPLAIN of {_KIND_NAMES.get(explained, explained)} is not allowed")
        if analyze and explained != "SelectStmt":
            raise Refused("EXPLAIN ANALYZE runs the statement: only of a SELECT")
        if analyze and not policy.allow_analyze:
            raise Refused(
                "EXPLAIN ANALYZE runs the query; the MCP server was not started with "
                "--allow-analyze"
            )
    walk = _Walk()
    # The statement's own node may be DML (planned, never run); anything nested may not.
    walk.visit(body["query"][explained] if explained else body)
    if walk.problems:
        raise Refused(walk.problems[0])
    for name in walk.functions:
        if is_denied(name[1]):
            raise Refused(
                f"function {_label(name)}() is not allowed: it reads or writes files, other "
                "sessions, locks, settings or sequences, or runs SQL text"
            )
    return Checked(
        kind=kind,
        text=_deparse(ast.stmt),
        functions=tuple(dict.fromkeys(walk.functions)),
        operators=tuple(dict.fromkeys(walk.operators)),
        relations=tuple(dict.fromkeys(walk.relations)),
        analyze=analyze,
        explained_kind=explained,
    )


def _truthy(arg: Any) -> bool:
    if not arg:
        return True  # EXPLAIN (ANALYZE)
    value = str(arg.get("String", {}).get("sval", arg.get("Boolean", {}).get("boolval", "")))
    return value.lower() not in ("false", "off", "0", "no")


# -- the checks that need the server's catalog ---------------------------------------------------
_FUNCTIONS = """
SELECT n.nspname, p.proname,
       p.provolatile = 'v'
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_aggregate a
                  JOIN pg_catalog.pg_proc f
                    ON f.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn)
                  WHERE a.aggfnoid = p.oid AND f.provolatile = 'v')
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname = ANY(%s)
"""
_OPERATORS = """
SELECT n.nspname, o.oprname, p.proname, p.provolatile = 'v'
FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode
WHERE o.oprname = ANY(%s)
"""
_RELATIONS = """
SELECT c.oid, n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY(%s)
"""
# The functions user views (not the system's, not an extension's) call, through views on views.
_VIEW_FUNCTIONS = """
WITH RECURSIVE rels(oid) AS (
    SELECT pg_catalog.unnest(%s::oid[])
    UNION
    SELECT d.refobjid FROM rels
    JOIN pg_catalog.pg_rewrite r ON r.ev_class = rels.oid
    JOIN pg_catalog.pg_depend d
        ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
        AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> rels.oid
)
SELECT DISTINCT vn.nspname, v.relname, pn.nspname, p.proname, p.provolatile = 'v'
FROM rels
JOIN pg_catalog.pg_class v ON v.oid = rels.oid AND v.relkind = 'v'
JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_catalog.pg_rewrite r ON r.ev_class = v.oid
JOIN pg_catalog.pg_depend d
    ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
    AND d.refclassid = 'pg_catalog.pg_proc'::regclass
JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
WHERE vn.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass
                  AND e.objid = v.oid AND e.deptype = 'e')
"""


def _allowed(policy: SqlPolicy, schema: str, name: str) -> bool:
    if schema == "pg_catalog" and name in DEFAULT_ALLOWED_VOLATILE:
        return True
    if name == "pg_stat_statements" and name in DEFAULT_ALLOWED_VOLATILE:
        return True
    return name in policy.allowed_functions or f"{schema}.{name}" in policy.allowed_functions


def check_catalog(conn: psycopg.Connection[TupleRow], checked: Checked, policy: SqlPolicy) -> None:
    """Volatile functions and operators, and what user views call; raises :class:`Refused`."""
    # The look-ups that do not depend on each other go in one round trip.
    with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
        found_path = conn.execute("SELECT pg_catalog.current_schemas(true)")
        found_functions = found_operators = found_relations = None
        if checked.functions:
            names = [sorted({n for _, n in checked.functions})]
            found_functions = conn.execute(_FUNCTIONS, names)
        if checked.operators:
            names = [sorted({n for _, n in checked.operators})]
            found_operators = conn.execute(_OPERATORS, names)
        if checked.relations:
            names = [sorted({n for _, n in checked.relations})]
            found_relations = conn.execute(_RELATIONS, names)
    row = found_path.fetchone()
    path = set(row[0]) if row else set()

    def in_scope(wanted: str | None, schema: str) -> bool:
        return schema == wanted if wanted else schema in path

    if found_functions is not None:
        rows = found_functions.fetchall()
        for wanted_schema, name in checked.functions:
            for schema, proname, volatile in rows:
                if proname != name or not in_scope(wanted_schema, schema):
                    continue
                if volatile and not _allowed(policy, schema, proname):
                    raise Refused(
                        f"function {schema}.{proname}() is volatile (it may change data or "
                        "state); allow it with --allow-function if it only reads"
                    )
    if found_operators is not None:
        rows = found_operators.fetchall()
        for wanted_schema, name in checked.operators:
            for schema, oprname, proname, volatile in rows:
                if oprname != name or not in_scope(wanted_schema, schema):
                    continue
                if is_denied(proname) or (volatile and not _allowed(policy, schema, proname)):
                    raise Refused(
                        f"operator {schema}.{oprname} calls the volatile or denied function "
                        f"{proname}()"
                    )
    if found_relations is not None:
        rows = found_relations.fetchall()
        oids = [
            oid
            for oid, schema, relname in rows
            for wanted_schema, name in checked.relations
            if relname == name and in_scope(wanted_schema, schema)
        ]
        if oids:
            for vschema, view, fschema, fname, volatile in conn.execute(
                _VIEW_FUNCTIONS, [oids]
            ).fetchall():
                if is_denied(fname) or (volatile and not _allowed(policy, fschema, fname)):
                    raise Refused(
                        f"view {vschema}.{view} calls the volatile or denied function "
                        f"{fschema}.{fname}()"
                    )


# -- running ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rows:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    reason: str | None  # why the rows stop where they do (row or byte cap)
    statement: str  # the statement as it ran


def jsonable(value: Any, limit: int = 10_000) -> Any:
    """A result value as JSON: numbers stay numbers, long text is cut at ``limit`` chars."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"… ({len(value)} chars)"
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return "base64:" + base64.b64encode(data[:limit]).decode()
    if isinstance(value, dict):
        return {str(k): jsonable(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, limit) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    return jsonable(str(value), limit)


@dataclass
class SafeSession:
    """One read-only session for one tool call: checks, then runs in a rolled-back READ ONLY
    transaction."""

    conn: psycopg.Connection[TupleRow]
    policy: SqlPolicy

    def checked(self, checked: Checked) -> None:
        """The catalog checks of a statement that passed the parse-tree checks."""
        try:
            check_catalog(self.conn, checked, self.policy)
        except psycopg.Error as exc:
            raise translate_error(exc) from None

    def begin(self) -> None:
        self.conn.autocommit = False
        self.conn.read_only = True  # BEGIN READ ONLY

    def fetch(self, checked: Checked, max_rows: int | None = None) -> Rows:
        cap = min(max_rows or self.policy.max_rows, self.policy.max_rows)
        self.begin()
        try:
            return self._fetch(checked, cap)
        except psycopg.Error as exc:
            raise translate_error(exc) from None
        finally:
            self.conn.rollback()

    def _fetch(self, checked: Checked, cap: int) -> Rows:
        statement = sql.SQL(checked.text)  # checked, deparsed text
        if checked.kind == "SelectStmt":
            # A server-side cursor: never more than the cap leaves the server.
            cur: psycopg.Cursor[TupleRow] = self.conn.cursor(name="pgsage_mcp")
        else:
            cur = self.conn.cursor()
        with cur:
            cur.execute(statement)
            columns = [d.name for d in cur.description or []]
            fetched = cur.fetchmany(cap + 1) if cur.description else []
        rows: list[list[Any]] = []
        size = 0
        reason = None
        for raw in fetched[:cap]:
            row = [jsonable(v, self.policy.max_value_chars) for v in raw]
            size += len(json.dumps(row, default=str))
            if size > self.policy.max_bytes:
                reason = f"byte cap ({self.policy.max_bytes} bytes) reached"
                break
            rows.append(row)
        if reason is None and len(fetched) > cap:
            reason = f"row cap ({cap} rows) reached"
        return Rows(columns, rows, reason is not None, reason, checked.text)


def translate_error(exc: psycopg.Error) -> PgsageError:
    """A server error on a checked statement, as one line (a read-only violation says so)."""
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return Refused(f"refused by the server's read-only transaction: {one_line(str(exc))}")
    if isinstance(
        exc,
        psycopg.errors.QueryCanceled
        | psycopg.errors.LockNotAvailable
        | psycopg.errors.InsufficientPrivilege
        | psycopg.OperationalError,
    ):
        return translate(exc)
    return QueryFailed(one_line(str(exc)))


class QueryFailed(PgsageError):
    """The server rejected a (checked, harmless) statement: a syntax it does not know, a
    missing relation, a type error..."""


@contextmanager
def open_session(dsn: str, policy: SqlPolicy) -> Iterator[SafeSession]:
    with connect(dsn, policy.session()) as conn:
        conn.prepare_threshold = None
        yield SafeSession(conn, policy)


def run_sql(dsn: str, text: str, policy: SqlPolicy, max_rows: int | None = None) -> Rows:
    """Check ``text`` and run it read-only; the one entry point of the run_sql tool."""
    checked = check_sql(text, policy, "run")
    with open_session(dsn, policy) as session:
        session.checked(checked)
        return session.fetch(checked, max_rows)


# -- role check ------------------------------------------------------------------------------
RECOMMENDED_ROLE = (
    "connect as a dedicated read role, e.g. CREATE ROLE pgsage_mcp LOGIN PASSWORD '...'; "
    "GRANT pg_monitor, pg_read_all_data TO pgsage_mcp; (pg_read_all_data is PostgreSQL 14+; "
    "before it, GRANT SELECT on the schemas' tables)"
)


@dataclass(frozen=True)
class RoleCheck:
    user: str
    superuser: bool
    monitor: bool  # member of pg_monitor (or pg_read_all_stats)
    read_all_data: bool
    write_all_data: bool
    warnings: tuple[str, ...]


_ROLE = """
SELECT current_user, r.rolsuper,
       pg_catalog.pg_has_role(current_user, 'pg_monitor', 'USAGE')
         OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
       EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pg_read_all_data')
         AND pg_catalog.pg_has_role(current_user, 'pg_read_all_data', 'USAGE'),
       EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pg_write_all_data')
         AND pg_catalog.pg_has_role(current_user, 'pg_write_all_data', 'USAGE'),
       r.rolcreaterole OR r.rolcreatedb
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
"""


def role_check(dsn: str, policy: SqlPolicy) -> RoleCheck:
    """Which role the server connects as, and warnings when it can do more than read."""
    with connect(dsn, policy.session()) as conn:
        try:
            row = conn.execute(_ROLE).fetchone()
        except psycopg.Error as exc:
            raise translate(exc) from None
    assert row is not None
    user, superuser, monitor, read_all, write_all, creates = row
    warnings: list[str] = []
    if superuser:
        warnings.append(
            f"connected as superuser {user}: the read-only session and the checks hold, but a "
            f"superuser bypasses every privilege; {RECOMMENDED_ROLE}"
        )
    elif write_all or creates:
        warnings.append(f"role {user} can write data or create roles/databases; {RECOMMENDED_ROLE}")
    if not superuser and not monitor:
        warnings.append(
            f"role {user} is not a member of pg_monitor: other sessions' queries and some "
            "statistics are hidden (GRANT pg_monitor TO ...)"
        )
    return RoleCheck(
        str(user),
        bool(superuser),
        bool(monitor),
        bool(read_all),
        bool(write_all),
        tuple(warnings),
    )


# -- EXPLAIN, with hypothetical indexes -------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    statement: str
    plan: Any  # EXPLAIN (FORMAT JSON)'s document
    total_cost: float | None
    analyzed: bool
    hypothetical: tuple[str, ...] = ()  # the hypothetical indexes' definitions
    plan_without: Any = None  # with hypothetical indexes: the plan without them
    total_cost_without: float | None = None
    used_hypothetical: tuple[str, ...] = ()  # hypothetical indexes the plan uses


def check_index_ddl(text: str) -> str:
    """A ``CREATE INDEX`` for HypoPG: exactly one, nothing else; returns it deparsed."""
    tree, ast = _parse(text)
    if next(iter(tree), "") != "IndexStmt":
        raise Refused("a hypothetical index must be one CREATE INDEX statement")
    walk = _Walk()
    walk.visit(tree["IndexStmt"])
    for name in walk.functions:
        if is_denied(name[1]):
            raise Refused(f"function {_label(name)}() is not allowed in an index")
    return _deparse(ast.stmt)


def _total_cost(document: Any) -> float | None:
    try:
        return float(document[0]["Plan"]["Total Cost"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _index_names(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _index_names(item)
    elif isinstance(node, dict):
        if isinstance(node.get("Index Name"), str):
            yield node["Index Name"]
        for value in node.values():
            yield from _index_names(value)


def explain(
    dsn: str,
    query: str,
    policy: SqlPolicy,
    hypothetical_indexes: list[str] | None = None,
    analyze: bool = False,
) -> Plan:
    """The plan of ``query`` (EXPLAIN FORMAT JSON); with ``hypothetical_indexes`` (CREATE
    INDEX statements) the plan with them made by HypoPG, and the plan without; ``analyze``
    runs the query (only when the server allows it) in a READ ONLY transaction rolled back."""
    checked = check_sql(query, policy, "explain")
    if analyze and not policy.allow_analyze:
        raise Refused("ANALYZE runs the query; start the MCP server with --allow-analyze")
    if analyze and checked.kind != "SelectStmt":
        raise Refused("ANALYZE runs the statement: only of a SELECT")
    indexes = [check_index_ddl(d) for d in hypothetical_indexes or []]
    if analyze and indexes:
        raise Refused("hypothetical indexes are for the planner only: no ANALYZE with them")
    options = "FORMAT JSON, ANALYZE, BUFFERS" if analyze else "FORMAT JSON"
    statement = f"EXPLAIN ({options}) {checked.text}"
    with open_session(dsn, policy) as session:
        session.checked(checked)
        conn = session.conn
        session.begin()
        try:
            without = _explain(conn, statement)
            if not indexes:
                return Plan(checked.text, without, _total_cost(without), analyze)
            row = conn.execute(
                "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
                "ON n.oid = e.extnamespace WHERE e.extname = 'hypopg'"
            ).fetchone()
            if row is None:
                raise Refused(
                    "hypothetical indexes need the HypoPG extension in this database "
                    "(a person runs CREATE EXTENSION hypopg; the MCP server never writes)"
                )
            create = sql.SQL("SELECT indexname FROM {}.hypopg_create_index(%s)").format(
                sql.Identifier(str(row[0]))
            )
            names = {}
            for ddl in indexes:
                made = conn.execute(create, [ddl]).fetchone()
                if made is not None:
                    names[str(made[0])] = ddl
            with_them = _explain(conn, statement)
            used = tuple(dict.fromkeys(n for n in _index_names(with_them) if n in names))
            return Plan(
                checked.text,
                with_them,
                _total_cost(with_them),
                False,
                tuple(indexes),
                without,
                _total_cost(without),
                tuple(names[n] for n in used),
            )
        except psycopg.Error as exc:
            raise translate_error(exc) from None
        finally:
            conn.rollback()  # the hypothetical indexes live in this session, closed next


def _explain(conn: psycopg.Connection[TupleRow], statement: str) -> Any:
    # In a pipeline: the transaction's BEGIN (READ ONLY) goes in the same round trip.
    with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
        cursor = conn.execute(sql.SQL(statement))
    row = cursor.fetchone()
    if row is None:
        return None
    document = row[0]
    return json.loads(document) if isinstance(document, str) else document


def catalog_rows(
    dsn: str, policy: SqlPolicy, query: str, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """pgsage's own fixed catalog statements (values as parameters, never as text), in the
    same read-only, rolled-back, time-limited session."""
    with open_session(dsn, policy) as session:
        session.begin()
        try:
            return session.conn.execute(query, params).fetchall()
        except psycopg.Error as exc:
            raise translate_error(exc) from None
        finally:
            session.conn.rollback()
