"""Typed values the advisor passes between its stages; frozen, so results are deterministic."""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.index import CreateIndex, IndexKey
from pgsage.fixes.quoting import ident_as_server
from pgsage.fixes.table import Analyze


@dataclass(frozen=True, order=True)
class RelName:
    """A relation as the catalog names it (schema always known)."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class NameResolution:
    """How a statement's unqualified names are resolved (``pgsage.advise.searchpath``): the
    search_path it is planned under, and whose it is. ``source`` says where the path comes
    from: ``role in database``, ``role``, ``database``, ``all roles`` (``ALTER ROLE ALL``),
    ``server default`` (PostgreSQL's precedence, highest first) or ``option``
    (``--search-path``). ``unique`` holds the names the path did not resolve that only one
    schema has: their schemas are searched after the path."""

    schemas: tuple[str, ...]  # the path, ``$user`` expanded to the role's name
    source: str
    role: str | None = None
    unique: tuple[RelName, ...] = ()

    @property
    def path(self) -> str:
        """The path as written in SET search_path (each name quoted where it must be)."""
        return _path_text(self.schemas)

    @property
    def planned_path(self) -> str:
        """The path the statement is planned under: the path, then the schemas of ``unique``."""
        extra = [t.schema for t in self.unique if t.schema not in self.schemas]
        return _path_text((*self.schemas, *dict.fromkeys(extra)))

    def line(self) -> str:
        """E.g. ``search_path "app, public" (role app_user)``; ``resolved: unique name
        app.orders`` follows when a name needed it."""
        whose = [f"role {self.role}"] if self.role is not None and self.source != "option" else []
        if self.source != "role" or not whose:
            whose.append(_SOURCES.get(self.source, self.source))
        text = f'search_path "{self.path}" ({", ".join(whose)})'
        if self.unique:
            text += "; resolved: unique name " + ", ".join(str(t) for t in self.unique)
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "search_path": self.path,
            "source": self.source,
            "role": self.role,
            "unique": [str(t) for t in self.unique],
        }


_SOURCES = {
    "role in database": "its setting in this database",
    "role": "its own setting",
    "database": "the database's setting",
    "all roles": "the ALTER ROLE ALL setting",
    "server default": "the server default",
    "option": "--search-path",
}


def _path_text(schemas: tuple[str, ...]) -> str:
    # a search_path value is split on commas, not parsed as SQL: only names that are not
    # plain lower case need quotes (keywords do not)
    return ", ".join(ident_as_server(s) for s in schemas)


@dataclass(frozen=True)
class WorkloadQuery:
    """One statement of the workload and what it weighs.

    ``calls`` and ``total_ms`` come from the source (1 and 0 for a file); ``params`` holds
    sample values for ``$n`` placeholders as SQL literals when the source knew them (a log's
    ``DETAIL: parameters:`` line); ``origin`` is where a file's statement is (``file:line``).
    """

    text: str
    calls: int = 1
    total_ms: float = 0.0
    source: str = "file"
    params: tuple[str | None, ...] = ()
    origin: str | None = None  # "file.sql:12": where a file's statement starts
    varied: bool = False  # a log's calls merged here had different texts (their values varied)
    # the search_path the statement is planned under (None: the advisor session's own)
    resolution: NameResolution | None = None

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0


@dataclass(frozen=True, order=True)
class Key:
    """An index key: a column (``column``) or an expression (``expression``, SQL text with
    unqualified columns, e.g. ``lower(email)``)."""

    column: str | None = None
    expression: str | None = None
    columns: tuple[str, ...] = ()  # the table columns the key reads
    descending: bool = False  # only for an ORDER BY of mixed directions (a DESC, b)
    nulls: str | None = None  # "first"/"last" when not the direction's default (DESC NULLS LAST)

    @staticmethod
    def of(column: str) -> Key:
        return Key(column=column, columns=(column,))

    def label(self) -> str:
        text = self.column if self.column is not None else f"({self.expression})"
        text = f"{text} DESC" if self.descending else text
        return f"{text} NULLS {self.nulls.upper()}" if self.nulls else text


@dataclass(frozen=True)
class Predicate:
    """How a statement filters one table.

    kind: ``eq`` (``=``, ``IS NULL``, a boolean test), ``in`` (``IN``, ``= ANY``), ``range``
    (``<``, ``>=``, ``BETWEEN``), ``like`` (a ``LIKE``/``ILIKE`` pattern that is not an
    anchored literal prefix), ``jsonb`` (``@>``, ``?``, ``?|``, ``?&``), ``array`` (``&&``,
    ``@>``, ``<@``) and ``join`` (``= other_table.column``). ``constant`` is the condition as
    SQL when it compares with a literal (a partial-index predicate), ``conjunct`` whether every
    returned row passes it.
    """

    key: Key
    kind: str
    operator: str
    conjunct: bool
    constant: str | None = None
    param: int | None = None


@dataclass(frozen=True)
class SortKey:
    key: Key
    descending: bool = False
    operator: str | None = None  # a distance operator (``<->``) for ORDER BY col <-> $1
    nulls_first: bool | None = None  # NULLS FIRST/LAST as written; None: the direction's default

    @property
    def order(self) -> tuple[bool, bool]:
        """(descending, nulls first), defaults resolved: DESC sorts NULLs first, ASC last."""
        nulls_first = self.descending if self.nulls_first is None else self.nulls_first
        return self.descending, nulls_first


@dataclass(frozen=True)
class TableAccess:
    """Everything one statement asks of one table."""

    table: RelName
    predicates: tuple[Predicate, ...] = ()
    sort: tuple[SortKey, ...] = ()  # the ORDER BY, when it sorts by this table only
    has_limit: bool = False
    group: tuple[Key, ...] = ()
    columns: frozenset[str] = frozenset()  # every column read, for covering indexes
    written_columns: frozenset[str] | None = None  # UPDATE SET columns; None: not updated


@dataclass(frozen=True)
class QueryShape:
    kind: str  # select, insert, update, delete, other
    accesses: tuple[TableAccess, ...]
    tables: frozenset[RelName]
    params: frozenset[int] = frozenset()
    param_columns: tuple[tuple[int, RelName, str, str], ...] = ()  # $n, table, column, operator
    missing: tuple[str, ...] = ()  # relations named but not in the catalog


@dataclass(frozen=True)
class Candidate:
    """A possible index. ``keys`` in order; ``opclass`` applies to every key when set."""

    table: RelName
    keys: tuple[Key, ...]
    method: str = "btree"
    where: str | None = None
    include: tuple[str, ...] = ()
    opclass: str | None = None
    kind: str = (
        "btree"  # btree, composite, partial, covering, expression, pattern, gin, trigram, hnsw
    )

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(k.label() for k in self.keys)

    def index(
        self,
        name: str,
        partitions: tuple[tuple[str, str], ...] = (),
        reuse: tuple[tuple[str, str, str], ...] = (),
    ) -> CreateIndex:
        """The candidate as the fix it recommends: ``name`` on the table (and its partitions,
        attaching the equivalent indexes in ``reuse``)."""
        keys = tuple(
            IndexKey(
                column=k.column,
                expression=k.expression,
                opclass=self.opclass,
                descending=k.descending,
                nulls=k.nulls,
            )
            for k in self.keys
        )
        return CreateIndex(
            self.table.schema,
            self.table.name,
            keys,
            name,
            method=self.method,
            where=self.where,
            include=self.include,
            partitions=partitions,
            reuse=reuse,
        )

    @property
    def sort_key(self) -> tuple[str, str, tuple[str, ...], str, str, tuple[str, ...], str]:
        return (
            self.table.schema,
            self.table.name,
            self.columns,
            self.method,
            self.where or "",
            self.include,
            self.opclass or "",
        )


@dataclass(frozen=True)
class PlanCost:
    cost: float
    nodes: tuple[str, ...]  # scan nodes, e.g. "Seq Scan on users", "Index Scan using ... on t"
    # per relation name, the summed cost of the plan's outermost scans of it (sampled costing)
    table_costs: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Costing:
    """How a recommended index was costed: ``hypopg``, ``real index`` (built in a rolled-back
    transaction) or ``sampled copy`` (built on a sample of the table on a scratch server; see
    ``pgsage.advise.sampled``), with the sample's size and the relative error (95 %) of the
    cost saving, from the selectivity measured on the sample."""

    method: str
    sample_rows: int | None = None
    table_rows: float | None = None
    error: float | None = None  # of the cost saving, relative: 0.12 for ±12 %
    detail: str = ""

    def line(self) -> str:
        if self.method != "sampled copy" or self.sample_rows is None:
            return f"costed with {self.method}"
        error = "unknown" if self.error is None else f"± {self.error * 100:.0f} %"
        rows = f" of {self.table_rows:,.0f}" if self.table_rows else ""
        detail = f"; {self.detail}" if self.detail else ""
        return (
            f"costed on a {self.sample_rows:,}-row sample copy{rows} rows; error of the saving "
            f"{error} (95 %, from the selectivity measured on the sample){detail}"
        )

    def to_json(self) -> dict[str, str | int | float | None]:
        return {
            "method": self.method,
            "sample_rows": self.sample_rows,
            "table_rows": None if self.table_rows is None else round(self.table_rows),
            "error": None if self.error is None else round(self.error, 3),
            "detail": self.detail or None,
        }


@dataclass(frozen=True)
class QueryResult:
    query: WorkloadQuery
    cost_before: float | None
    cost_after: float | None
    plan_before: tuple[str, ...] = ()
    plan_after: tuple[str, ...] = ()
    skipped: str | None = None  # why the query could not be planned


@dataclass(frozen=True)
class HelpedQuery:
    query: str
    cost_before: float
    cost_after: float
    plan_before: tuple[str, ...]
    plan_after: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    candidate: Candidate
    name: str
    size_bytes: int
    partitions: tuple[tuple[str, str], ...] = ()  # (schema, name) of a partitioned parent's
    queries: tuple[HelpedQuery, ...] = ()
    # the tables without trustworthy statistics it rests on (advise.confidence): low confidence
    low_confidence: tuple[str, ...] = ()
    # (schema, partition, index): equivalent partition indexes attached, not built again
    reuse: tuple[tuple[str, str, str], ...] = ()
    costing: Costing = Costing("hypopg")

    @property
    def fix(self) -> CreateIndex:
        """The index to build: its SQL, its Alembic operation, what --apply and --verify run."""
        return self.candidate.index(self.name, self.partitions, self.reuse)


@dataclass(frozen=True)
class TableStatistics:
    """A table of the workload whose planner statistics are missing or stale: ``table`` as the
    workload names it, ``relation`` the one lacking them (itself or one of its partitions);
    ``state`` is ``never-analyzed`` or ``stale``."""

    table: RelName
    relation: RelName
    state: str
    detail: str

    @property
    def fix(self) -> Analyze:
        return Analyze(self.relation.schema, self.relation.name)


@dataclass(frozen=True)
class DropProposal:
    schema: str
    name: str
    table: str
    definition: str
    reason: str
    by: str | None = None  # the recommended index that makes it redundant


@dataclass(frozen=True)
class Measured:
    """One statement under ``--verify``: its times and real plans without and with the
    indexes; ``expected`` the recommended indexes its hypothetical plan was credited with,
    ``used`` those its real plan used."""

    query: str
    before_ms: float | None
    after_ms: float | None
    error: str | None = None
    plan_before: tuple[str, ...] = ()
    plan_after: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()
    used: tuple[str, ...] = ()

    @property
    def diverged(self) -> tuple[str, ...]:
        """The indexes the hypothetical plan used and the real plan did not."""
        if self.error is not None:
            return ()
        return tuple(name for name in self.expected if name not in self.used)


@dataclass(frozen=True)
class Unconfirmed:
    """A recommendation ``--verify`` took out: no real plan of the statements it was credited
    for used it (``plans``: those real plans)."""

    recommendation: Recommendation
    plans: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    recommendations: tuple[Recommendation, ...]
    queries: tuple[QueryResult, ...]
    drops: tuple[DropProposal, ...] = ()
    uncosted: tuple[tuple[Candidate, str], ...] = ()  # candidates that could not be costed
    notes: tuple[str, ...] = ()
    costing: str = "hypopg"
    objective_before: float = 0.0
    objective_after: float = 0.0
    seconds: float = 0.0
    verified: tuple[Measured, ...] = ()
    unconfirmed: tuple[Unconfirmed, ...] = ()  # taken out by --verify: no real plan used them
    applied: tuple[str, ...] = ()
    tables: tuple[RelName, ...] = ()  # the tables the planned statements read
    statistics: tuple[TableStatistics, ...] = ()  # of those, the ones without fresh statistics
