"""Which tables a recorded statement names: its role's search_path, then a name unique across
schemas.

pg_stat_statements records who ran a statement (``userid``), not the search_path it ran
under. The path a role's sessions start with is PostgreSQL's: the first of its setting in this
database (``ALTER ROLE r IN DATABASE d SET search_path``), its own (``ALTER ROLE r SET``), the
database's (``ALTER DATABASE d SET``), ``ALTER ROLE ALL SET``, then the server's default — all
read from ``pg_db_role_setting`` and ``pg_settings``, ``$user`` standing for the role's name.
A statement is planned under that path (``SET LOCAL search_path`` per statement, in
``advise.whatif``). A name the path does not resolve (an application that SETs its
search_path per session) is taken from the one schema that has a relation of that name, as the
audit attributes statements to tables; a name several schemas have stays unresolved and the
statement is skipped with the schemas named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import psycopg
from psycopg.rows import TupleRow

from pgsage.advise.analysis import Parsed, cte_names, relation_names
from pgsage.advise.catalog import Catalog, ScopedCatalog
from pgsage.advise.model import NameResolution, RelName, WorkloadQuery
from pgsage.errors import UsageError

# The GUC sources a session's reset_val can be trusted as the server default under.
_SERVER_SOURCES = frozenset(
    {"default", "configuration file", "command line", "environment variable"}
)
_SETTINGS = """/* pgsage */
SELECT s.setdatabase <> 0, s.setrole::bigint, c.entry
FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) AS c(entry)
WHERE s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d
                            WHERE d.datname = pg_catalog.current_database()))
  AND c.entry LIKE 'search\\_path=%'
"""
_DEFAULT = """/* pgsage */
SELECT source, reset_val, boot_val FROM pg_catalog.pg_settings WHERE name = 'search_path'
"""
_FILE_DEFAULT = """/* pgsage */
SELECT setting FROM pg_catalog.pg_file_settings WHERE name = 'search_path' AND applied
"""


def parse_search_path(value: str) -> tuple[str, ...]:
    """The schema names of a search_path setting, as PostgreSQL splits it: comma-separated,
    double-quoted names kept as written (``""`` is a quote), others folded to lower case."""
    names: list[str] = []
    current: list[str] = []
    quoted = False
    was_quoted = False
    i = 0
    while i < len(value):
        char = value[i]
        if quoted:
            if char == '"' and value[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted = was_quoted = True
        elif char == ",":
            names.append(_name(current, was_quoted))
            current, was_quoted = [], False
        else:
            current.append(char)
        i += 1
    names.append(_name(current, was_quoted))
    return tuple(n for n in names if n)


def _name(chars: list[str], quoted: bool) -> str:
    text = "".join(chars)
    return text if quoted else text.strip().lower()


def expand_user(schemas: Sequence[str], role: str | None) -> tuple[str, ...]:
    """``$user`` as the role's name (left out for a role that no longer exists)."""
    expanded = []
    for name in schemas:
        if name != "$user":
            expanded.append(name)
        elif role is not None:
            expanded.append(role)
    return tuple(expanded)


@dataclass(frozen=True)
class RolePaths:
    """The search_path settings of this database and its roles, read once per run."""

    role_in_database: dict[int, str]
    role: dict[int, str]
    database: str | None
    all_roles: str | None
    server: str

    @staticmethod
    def load(conn: psycopg.Connection[TupleRow]) -> RolePaths:
        in_database: dict[int, str] = {}
        own: dict[int, str] = {}
        database = all_roles = None
        for has_database, role, entry in _rows(conn, _SETTINGS):
            value = str(entry).partition("=")[2]
            if int(role) == 0:
                if has_database:
                    database = value
                else:
                    all_roles = value
            elif has_database:
                in_database[int(role)] = value
            else:
                own[int(role)] = value
        return RolePaths(in_database, own, database, all_roles, _server_default(conn))

    def of(self, role_oid: int | None, role: str | None) -> NameResolution:
        """The path sessions of the role start with, and which setting gave it."""
        found: tuple[str, str]
        if role_oid is not None and role_oid in self.role_in_database:
            found = ("role in database", self.role_in_database[role_oid])
        elif role_oid is not None and role_oid in self.role:
            found = ("role", self.role[role_oid])
        elif self.database is not None:
            found = ("database", self.database)
        elif self.all_roles is not None:
            found = ("all roles", self.all_roles)
        else:
            found = ("server default", self.server)
        source, value = found
        return NameResolution(expand_user(parse_search_path(value), role), source, role)


def _rows(conn: psycopg.Connection[TupleRow], query: str) -> list[TupleRow]:
    """The rows of a catalog query, none when this role may not read it."""
    try:
        with conn.transaction():
            return conn.execute(query.encode()).fetchall()
    except psycopg.Error:
        return []


def _server_default(conn: psycopg.Connection[TupleRow]) -> str:
    """The server's search_path: this session's value when nothing but the server set it,
    else postgresql.conf's (pg_file_settings, where readable), else PostgreSQL's built-in."""
    rows = _rows(conn, _DEFAULT)
    if not rows:
        return '"$user", public'
    source, reset_val, boot_val = rows[0]
    if str(source) in _SERVER_SOURCES:
        return str(reset_val)
    in_file = _rows(conn, _FILE_DEFAULT)
    return str(in_file[-1][0]) if in_file else str(boot_val)


def with_search_path(
    workload: Sequence[WorkloadQuery], value: str, user: str
) -> list[WorkloadQuery]:
    """Every statement planned under ``value`` (``--search-path``; ``$user`` is the advisor's
    own role). A path naming no schema is a usage error."""
    schemas = expand_user(parse_search_path(value), user)
    if not schemas:
        raise UsageError(f"--search-path {value!r} names no schema")
    resolution = NameResolution(schemas, "option")
    return [replace(q, resolution=resolution) for q in workload]


def scope_workload(
    workload: Sequence[WorkloadQuery], parsed: Sequence[Parsed | None], catalog: Catalog
) -> list[WorkloadQuery]:
    """Each statement planned under a search_path with the names its path does not resolve
    but a single schema has added to its ``resolution.unique``; the relations they resolve
    to are loaded in a few queries."""
    scoped = [(q, t) for q, t in zip(workload, parsed, strict=True) if q.resolution and t]
    bare = sorted(
        {r.name for _, tree in scoped if tree for r in relation_names(tree) if not r.schema}
    )
    catalog.preload_placements(bare)
    found: list[WorkloadQuery] = []
    for query, tree in zip(workload, parsed, strict=True):
        resolution = query.resolution
        if resolution is None or tree is None:
            found.append(query)
            continue
        unique = []
        ctes = cte_names(tree)
        for ref in relation_names(tree):
            if (
                ref.schema is not None
                or ref.name in ctes
                or catalog.on_path(search_order(resolution), ref.name)
            ):
                continue
            holders = catalog.holders(ref.name)
            if len(holders) == 1:
                unique.append(RelName(holders[0], ref.name))
        unique_names = tuple(dict.fromkeys(unique))
        found.append(
            replace(query, resolution=replace(resolution, unique=unique_names))
            if unique_names
            else query
        )
    return found


def search_order(resolution: NameResolution) -> tuple[str, ...]:
    """The schemas searched for a relation, in order: pg_catalog first unless the path places
    it, the path, then the schemas of the names found unique."""
    path = resolution.schemas
    order = path if "pg_catalog" in path else ("pg_catalog", *path)
    extra = (t.schema for t in resolution.unique if t.schema not in order)
    return (*order, *dict.fromkeys(extra))


def scoped_catalog(catalog: Catalog, query: WorkloadQuery) -> Catalog | ScopedCatalog:
    """The catalog as ``query`` sees it: unqualified names looked up on its path."""
    if query.resolution is None:
        return catalog
    return ScopedCatalog(catalog, search_order(query.resolution))


def unresolved_reason(query: WorkloadQuery, missing: Sequence[str], catalog: Catalog) -> str:
    """Why the relations ``missing`` cannot be found for ``query``: not on its path, and in no
    schema or several."""
    names = ", ".join(f'"{name}"' for name in missing)
    text = f"relation {names} does not exist"
    if query.resolution is None:
        return text
    text += f" under {query.resolution.line()}"
    several = {n: catalog.holders(n) for n in missing if "." not in n}
    ambiguous = [f"{n} in {', '.join(s)}" for n, s in several.items() if len(s) > 1]
    if ambiguous:
        text += "; not unique across schemas: " + "; ".join(ambiguous)
    return text
