"""Pure arithmetic of a tune: recall@k, latency percentiles, the sweep's values, the cheapest
setting that reaches a target, and the rebuild that would when none does."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pgsage.fixes.index import CreateIndex, IndexKey
from pgsage.fixes.quoting import fit_identifier
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.vector import RebuildAnnIndex
from pgsage.vector.model import Rebuild, Recommendation, SweepPoint

HNSW_EF_SEARCH = (10, 20, 40, 80, 160, 320, 640, 1000)
MAX_EF_SEARCH = 1000
DEFAULT_M = 16
DEFAULT_EF_CONSTRUCTION = 64
DEFAULT_LISTS = 100
# A tie in distance counts as a hit: the index may return either of two equidistant rows.
TIE_TOLERANCE = 1e-6
# Rough throughput of distance arithmetic in a build (one core): for estimates only.
BUILD_FLOPS_PER_S = 2e9


@dataclass(frozen=True)
class Neighbour:
    row: str  # the row's identity (ctid, or tableoid:ctid)
    distance: float


def recall_at_k(found: Sequence[Neighbour], truth: Sequence[Neighbour], k: int) -> float:
    """The share of the true top-k the index returned (a row as near as the k-th true
    neighbour counts too); 1.0 when there is nothing to find."""
    wanted = list(truth[:k])
    if not wanted:
        return 1.0
    rows = {n.row for n in wanted}
    kth = wanted[-1].distance
    bound = kth + TIE_TOLERANCE * max(1.0, abs(kth))
    hits = sum(1 for n in found[:k] if n.row in rows or n.distance <= bound)
    return min(hits, len(wanted)) / len(wanted)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def held_out(neighbours: Sequence[Neighbour], row: str | None, k: int) -> list[Neighbour]:
    """The first k neighbours without the query's own row (a sampled query is a row)."""
    return [n for n in neighbours if n.row != row][:k]


def sweep_values(method: str, lists: int, extra: Sequence[int] = ()) -> list[int]:
    """ef_search 10..1000, or probes 1, 2, 4, ... up to lists; with the session's and the
    rule of thumb's values added."""
    if method == "hnsw":
        base = list(HNSW_EF_SEARCH)
        limit = MAX_EF_SEARCH
    else:
        base = [2**i for i in range(0, 16) if 2**i < lists] + [lists]
        limit = lists
    return sorted({v for v in [*base, *extra] if 1 <= v <= limit})


def cheapest(sweep: Sequence[SweepPoint], target: float) -> SweepPoint | None:
    """The lowest setting whose recall reaches the target."""
    reaching = [p for p in sweep if p.recall >= target]
    return min(reaching, key=lambda p: p.value) if reaching else None


def at_value(sweep: Sequence[SweepPoint], value: int) -> SweepPoint | None:
    return next((p for p in sweep if p.value == value), None)


def application_code(setting: str, value: int) -> str:
    """SQLAlchemy: the setting on every new connection, or per transaction."""
    return (
        "from sqlalchemy import event, text\n\n"
        '@event.listens_for(engine, "connect")\n'
        "def _vector_settings(dbapi_connection, connection_record):\n"
        "    autocommit = dbapi_connection.autocommit\n"
        "    dbapi_connection.autocommit = True\n"
        "    cursor = dbapi_connection.cursor()\n"
        f'    cursor.execute("SET {setting} = {value}")\n'
        "    cursor.close()\n"
        "    dbapi_connection.autocommit = autocommit\n\n"
        "# or only around the search, inside its transaction:\n"
        "with session.begin():\n"
        f'    session.execute(text("SET LOCAL {setting} = {value}"))\n'
        "    rows = session.execute(search_query).all()\n"
    )


def recommend(point: SweepPoint, role: str | None, database: str | None) -> Recommendation:
    fix = SetSetting(name=point.setting, value=point.value, role=role, database=database)
    sql = fix.statement() if role or database else f"SET {point.setting} = {point.value};"
    return Recommendation(
        setting=point.setting,
        value=point.value,
        recall=point.recall,
        p95_ms=point.p95_ms,
        sql=sql,
        set_local=f"SET LOCAL {point.setting} = {point.value};",
        application=application_code(point.setting, point.value),
    )


@dataclass(frozen=True)
class IndexShape:
    """What a rebuild estimate needs to know about the index and its table."""

    schema: str
    table: str
    name: str
    column: str
    method: str
    opclass: str
    rows: float
    dims: int
    size_bytes: int
    options: tuple[tuple[str, int], ...]
    predicate: str | None = None

    def option(self, name: str, default: int) -> int:
        return dict(self.options).get(name, default)


def recommended_lists(rows: float) -> int:
    if rows <= 1_000_000:
        return max(1, round(rows / 1000))
    return max(1, round(math.sqrt(rows)))


def _hnsw_bytes_per_row(dims: int, m: int) -> float:
    # the vector (4 bytes a dimension + header), 2m neighbour tids on layer 0, the tuple header
    return 4 * dims + 8 + 2 * m * 6 + 40


def estimate_hnsw(shape: IndexShape, m: int, ef_construction: int) -> tuple[float, int]:
    """Rough build time (one worker) and size of an HNSW index with these options."""
    rows = max(shape.rows, 1.0)
    seconds = rows * ef_construction * math.log2(rows + 1) * shape.dims * 2 / BUILD_FLOPS_PER_S
    size = rows * _hnsw_bytes_per_row(shape.dims, m)
    if shape.method == "hnsw" and shape.size_bytes > 0:
        old_m = shape.option("m", DEFAULT_M)
        size = (
            shape.size_bytes
            * _hnsw_bytes_per_row(shape.dims, m)
            / _hnsw_bytes_per_row(shape.dims, old_m)
        )
    return seconds, int(size)


def estimate_ivfflat(shape: IndexShape, lists: int) -> tuple[float, int]:
    rows = max(shape.rows, 1.0)
    seconds = rows * lists * shape.dims * 2 / (2 * BUILD_FLOPS_PER_S)
    size = shape.size_bytes if shape.method == "ivfflat" and shape.size_bytes else 0
    return seconds, int(size or rows * (4 * shape.dims + 8 + 24))


def _create(shape: IndexShape, method: str, storage: tuple[tuple[str, int], ...]) -> CreateIndex:
    suffix = "_".join(f"{k}{v}" for k, v in storage)
    # the operator classes of both methods have the same names (vector_cosine_ops)
    return CreateIndex(
        shape.schema,
        shape.table,
        (IndexKey(column=shape.column, opclass=shape.opclass),),
        fit_identifier(shape.name, suffix),
        method=method,
        where=shape.predicate,
        storage=storage,
    )


def situation(best: SweepPoint | None, target: float) -> str:
    if best is None:
        return f"no setting was measured to reach recall {target}"
    at = f"{best.setting} = {best.value}"
    if best.recall >= target:
        return f"recall {target} needs {at}, where the index is as slow as a sequential scan"
    return f"the best recall measured within the time budget is {best.recall:.3f} at {at}"


def rebuild_for(shape: IndexShape, best: SweepPoint | None, target: float) -> Rebuild:
    """The rebuild expected to reach the target: a denser HNSW graph, or for IVFFlat the
    recommended lists (too many lists) or an HNSW index."""
    lead = situation(best, target)
    if shape.method == "hnsw":
        m = min(max(2 * shape.option("m", DEFAULT_M), 32), 100)
        efc = max(2 * shape.option("ef_construction", DEFAULT_EF_CONSTRUCTION), 2 * m, 128)
        storage: tuple[tuple[str, int], ...] = (("m", m), ("ef_construction", efc))
        seconds, size = estimate_hnsw(shape, m, efc)
        reason = (
            f"{lead}: a denser graph "
            f"(m = {m}, ef_construction = {efc}) raises recall at the same ef_search"
        )
        fix = RebuildAnnIndex(shape.name, _create(shape, "hnsw", storage))
        return Rebuild("hnsw", storage, reason, seconds, size, fix)
    lists = shape.option("lists", DEFAULT_LISTS)
    wanted = recommended_lists(shape.rows)
    if lists > 2 * wanted:
        storage = (("lists", wanted),)
        seconds, size = estimate_ivfflat(shape, wanted)
        reason = (
            f"{lead}: {lists} lists are "
            f"many for {int(shape.rows):,} rows; {wanted} longer lists find more neighbours "
            "per probe"
        )
        return Rebuild(
            "ivfflat",
            storage,
            reason,
            seconds,
            size,
            RebuildAnnIndex(shape.name, _create(shape, "ivfflat", storage)),
        )
    storage = (("m", DEFAULT_M), ("ef_construction", DEFAULT_EF_CONSTRUCTION))
    seconds, size = estimate_hnsw(replace(shape, method="hnsw", size_bytes=0), DEFAULT_M, 64)
    reason = (
        f"{lead}: "
        "raise ivfflat.probes further (recall reaches 1.0 at probes = lists, as slow as a "
        "scan), or build an HNSW index, which reaches high recall at lower latency"
    )
    create = _create(shape, "hnsw", storage)
    return Rebuild("hnsw", storage, reason, seconds, size, RebuildAnnIndex(shape.name, create))
