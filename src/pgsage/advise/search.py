"""Choosing the set of indexes: lazy greedy, then improvement steps, under a budget.

The objective is the workload's weighted cost: each statement weighs what it costs the server
now (calls x mean time from pg_stat_statements or the log; one call for a file), scaled by
how much cheaper its plan gets, plus a write charge per index for the statements that would
have to maintain it (INSERTs, UPDATEs of an indexed column). Greedy adds the candidate with
the largest gain while it pays; gains only shrink as the set grows, so a candidate's old gain
is an upper bound and is recomputed only when it could win (lazy greedy). Improvement steps then
drop what the rest of the set made useless and try same-table swaps; when that freed budget,
greedy fills it again. Ties break on size, then name: the same input always gives the same
answer in the same order.

Near-duplicates are weighed against what they supersede. A candidate with the keys of an
existing index plus INCLUDE columns (``film(title) INCLUDE (film_id)`` beside ``film(title)``,
or beside a primary key) competes only when it saves some statement a material planner cost
(``SUPERSEDE_MIN_SAVED``: an index-only scan of one row saves a few units, which no
measurement sees); an existing plain index it supersedes is charged as dropped (its size comes
off the new one's, and the advice proposes the drop). A covering candidate gives way to its
plain twin when the twin is much smaller and no statement costs materially more with it.

Last, every chosen index must earn its size in estimated time (``earn_sizes``). The objective
counts a file's statements one call each, so a covering index that makes a 200 ms query 90 %
cheaper weighs as much as the index that ends a 30 s one; by time it saves next to nothing.
A statement's estimated time is its measured time when the source has one, else its calls x
its plan cost (plan costs roughly track time across statements of one database). An index
whose share of the workload's estimated time saved is below its storage charge (the share
STORAGE_CHARGE x its size over the tables' size) is dropped, and a covering index whose extra
saving over its plain twin does not pay for the extra size gives way to the twin. The price
is stricter than the objective's storage charge (TIME_PRICE: an index as large as all its
tables must save a fifth of the estimated time): the objective's storage charge weighs
statements, this one time, and a plan cost's saving is an estimate (a nested loop's probes
often save less than planned), so an index must save clearly more than its size costs.
What INCLUDE columns add pays five times that (COVERING_PRICE: as large a share of the time
as the share of size they add): an index-only scan saves heap reads only on pages the
visibility map marks all-visible, and on a table being written the pages changed since the
last VACUUM still cost their heap read.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pgsage.advise.catalog import ExistingIndex
from pgsage.advise.model import Candidate
from pgsage.advise.rowsread import compare_reads, materially_fewer, tie_note
from pgsage.advise.whatif import PlannedQuery, WhatIf

SUPERSEDE_MIN_SAVED = 25.0  # planner cost units one statement must save (about 6 page reads)
PLAIN_TWIN_MAX_SIZE = 0.75  # a plain twin at most this share of the covering one's size
MIN_GAIN = 0.002  # of the improvable workload: smaller gains do not pay for an index
WRITE_CHARGE = 0.15  # an extra index adds about this share to a write statement's cost
STORAGE_CHARGE = 0.05  # of the improvable workload, for an index as large as all its tables
TIME_PRICE = 0.20  # of the estimated time an index as large as all its tables must save
COVERING_PRICE = 1.0  # the same for what INCLUDE columns add (an index-only scan's saving)
TIE_SHARE = 0.01  # of what an index saves: two configurations this close cost "the same"
IMPROVABLE_GAIN = 0.01  # a statement some candidate makes 1 % cheaper counts as improvable
MEASURABLE_GAIN = 0.10  # a chosen index must make some statement this much cheaper


@dataclass(frozen=True)
class Budget:
    max_size: int | None = None
    max_per_table: int | None = None
    max_indexes: int | None = None


@dataclass
class Search:
    whatif: WhatIf
    queries: list[PlannedQuery]
    candidates: list[Candidate]
    sizes: dict[Candidate, int]
    names: dict[Candidate, str]
    budget: Budget
    data_bytes: int = 0  # the size of the tables the workload reads
    progress: Callable[[str], None] = lambda _: None

    def __post_init__(self) -> None:
        self.helpful: list[Candidate] = []
        self.ties: dict[Candidate, str] = {}  # a chosen index's win on rows read, explained
        self.base: dict[int, float] = {}
        self.whatif.prefetch((query, frozenset()) for query in self.queries)
        for query in self.queries:
            cost = self.whatif.cost(query, frozenset())
            if cost is not None:  # an INSERT plans at cost 0 and still weighs its write
                self.base[query.index] = cost.cost
        self.weights = {
            q.index: _weight(q, self.base[q.index]) for q in self.queries if q.index in self.base
        }
        self.live = [q for q in self.queries if q.index in self.base]
        # estimated time: measured when the source has it, else calls x plan cost
        self.times = {
            q.index: self.weights[q.index]
            if q.query.total_ms > 0
            else max(q.query.calls, 1) * self.base[q.index]
            for q in self.live
        }
        self.superseded = {c: self._superseded(c) for c in self.candidates}
        self.rejected: dict[Candidate, str] = {}  # near-duplicates that save nothing material
        self.start = self.workload(frozenset())
        improvable = self.improvable()
        # Nothing improvable by 1 %: the whole workload, so that crumbs never pass as gains.
        self.scale = sum(self.weights[q.index] for q in improvable) or self.start
        self.time_scale = sum(self.times[q.index] for q in improvable) or sum(self.times.values())

    def improvable(self) -> list[PlannedQuery]:
        """The statements some candidate improves on its own (by at least IMPROVABLE_GAIN):
        what the minimum gain and the storage charge are shares of. A statement no index
        changes (a report reading whole tables) would otherwise price out the indexes of every
        cheap statement they do change (an FK join 20x faster)."""
        found = []
        self.whatif.prefetch(
            (query, frozenset([c]))
            for query in self.live
            for c in self.candidates
            if c.table in query.shape.tables
        )
        for query in self.live:
            tables = query.shape.tables
            if any(
                self.ratio(query, frozenset([c])) <= 1 - IMPROVABLE_GAIN
                for c in self.candidates
                if c.table in tables
            ):
                found.append(query)
        return found

    def _superseded(self, candidate: Candidate) -> tuple[ExistingIndex, ...]:
        rel = self.whatif.catalog.get(candidate.table)
        return superseded_by(candidate, rel.indexes) if rel is not None else ()

    # -- the objective ---------------------------------------------------------------------
    def workload(self, config: frozenset[Candidate]) -> float:
        """The workload's weighted cost with ``config`` (what the report shows)."""
        total = 0.0
        for query in self.live:
            total += self.weights[query.index] * self.ratio(query, config)
        return total

    def objective(self, config: frozenset[Candidate]) -> float:
        """What the search minimises: the workload's cost plus each index's upkeep (writes)
        and storage."""
        return self.workload(config) + sum(
            self.write_charge(c) + self.storage_charge(c) for c in config
        )

    def storage_charge(self, candidate: Candidate) -> float:
        """An index as large as all the workload's tables costs STORAGE_CHARGE of the
        workload: a wide covering index must earn its megabytes."""
        return self.scale * STORAGE_CHARGE * self.size_share(candidate)

    def size_share(self, candidate: Candidate) -> float:
        """The index's new bytes over the size of the tables the workload reads."""
        if self.data_bytes <= 0:
            return 0.0
        # an existing plain index it supersedes is dropped: only the difference is new
        freed = sum(i.size_bytes for i in self.superseded.get(candidate, ()) if droppable(i))
        return max(self.sizes[candidate] - freed, 0) / self.data_bytes

    def time_saved(self, without: frozenset[Candidate], config: frozenset[Candidate]) -> float:
        """The share of the workload's estimated time ``config`` saves over ``without``."""
        if self.time_scale <= 0:
            return 0.0
        changed = {c.table for c in without ^ config}
        saved = sum(
            self.times[q.index] * (self.ratio(q, without) - self.ratio(q, config))
            for q in self.live
            if q.shape.tables & changed
        )
        return saved / self.time_scale

    def ratio(self, query: PlannedQuery, config: frozenset[Candidate]) -> float:
        cost = self.whatif.cost(query, config)
        base = self.base[query.index]
        if cost is None or base <= 0:
            return 1.0
        return min(cost.cost / base, 1.0)

    def write_charge(self, candidate: Candidate) -> float:
        charge = 0.0
        columns = {col for key in candidate.keys for col in key.columns} | set(candidate.include)
        for query in self.live:
            for access in query.shape.accesses:
                if access.table != candidate.table or access.written_columns is None:
                    continue
                if query.shape.kind == "insert" or access.written_columns & columns:
                    charge += self.weights[query.index] * WRITE_CHARGE
        return charge

    # -- greedy + improvement ----------------------------------------------------------------
    def run(self) -> list[Candidate]:
        if not self.live:
            return []
        start = self.objective(frozenset())
        threshold = self.scale * MIN_GAIN
        chosen: list[Candidate] = []
        current = start
        heap: list[tuple[float, int, str, int, Candidate]] = []
        ordered = [
            c
            for c in sorted(self.candidates, key=lambda c: (self.sizes[c], self.names[c]))
            if not self._saves_nothing_material(c)
        ]
        for order, candidate in enumerate(ordered):
            gain = start - self.objective(frozenset([candidate]))
            if gain > threshold:
                heapq.heappush(
                    heap, (-gain, self.sizes[candidate], self.names[candidate], order, candidate)
                )
        self.helpful = [entry[4] for entry in sorted(heap)]
        self.progress(f"{len(heap)} of {len(ordered)} candidates help on their own")
        while heap:
            _neg_gain, size, name, order, candidate = heapq.heappop(heap)
            if not self.fits(candidate, chosen):
                continue
            config = frozenset(chosen)
            self.ahead([config | {candidate}])  # its statements in one round trip
            gain = current - self.objective(config | {candidate})
            if gain <= threshold:
                continue
            if heap and gain < -heap[0][0] - 1e-9:  # stale bound: requeue with the fresh gain
                heapq.heappush(heap, (-gain, size, name, order, candidate))
                continue
            chosen.append(candidate)
            current -= gain
        greedy = list(chosen)
        chosen = self.improve(chosen, threshold)
        if chosen != greedy:  # a drop or a smaller swap may have freed budget
            chosen = self.fill(chosen, threshold)
        return self.drop_unmeasurable(self.earn_sizes(self.prefer_plain_twins(chosen)))

    def earn_sizes(self, chosen: list[Candidate]) -> list[Candidate]:
        """Drop, worst first, each index whose share of the estimated time saved is below its
        price; a covering one whose extra saving over its plain twin does not pay for the
        extra size gives way to the twin (module docstring)."""
        result = list(chosen)
        while True:
            config = frozenset(result)
            worst: tuple[float, Candidate, Candidate | None] | None = None
            for candidate in result:
                ratio, twin = self._earned_ratio(candidate, config)
                if ratio < 1 and (worst is None or ratio < worst[0]):
                    worst = (ratio, candidate, twin)
            if worst is None:
                return result
            _ratio, candidate, twin = worst
            position = result.index(candidate)
            if twin is None:
                del result[position]
            else:
                result[position] = twin
            self.rejected[candidate] = self._size_note(candidate, twin, config)

    def price(self, candidate: Candidate) -> float:
        """The share of the estimated time ``candidate`` must save. Its INCLUDE columns alone
        (over an existing index with its keys, which it would replace) pay COVERING_PRICE."""
        covering = bool(self.superseded.get(candidate))
        return (COVERING_PRICE if covering else TIME_PRICE) * self.size_share(candidate)

    def _earned_ratio(
        self, candidate: Candidate, config: frozenset[Candidate]
    ) -> tuple[float, Candidate | None]:
        """What ``candidate`` saves over its price (below 1: it does not earn its size), and
        the plain twin to put in its place, if that one earns its own."""
        others = config - {candidate}
        twin = self._plain_twin(candidate)
        if twin is not None and twin not in config:
            with_twin = others | {twin}
            extra = COVERING_PRICE * (self.size_share(candidate) - self.size_share(twin))
            if extra > 0:
                ratio = self.time_saved(with_twin, config) / extra
                if ratio < 1:
                    keep = self.time_saved(others, with_twin) >= self.price(twin)
                    return ratio, twin if keep else None
        charge = self.price(candidate)
        if charge <= 0:
            return 1.0, None
        return self.time_saved(others, config) / charge, None

    def _size_note(
        self, candidate: Candidate, twin: Candidate | None, config: frozenset[Candidate]
    ) -> str:
        size_mb = self.sizes[candidate] / 1024 / 1024
        if twin is not None:
            extra = self.time_saved(config - {candidate} | {twin}, config)
            return (
                f"its INCLUDE columns save {extra:.2%} of the workload's estimated time over "
                f"the plain {self.names[twin]}, too little for {size_mb:,.1f} MB "
                "(time estimated from plan costs where the workload has no measured time)"
            )
        saved = self.time_saved(config - {candidate}, config)
        if self.superseded.get(candidate):
            names = ", ".join(f"{i.schema}.{i.name}" for i in self.superseded[candidate])
            return (
                f"its INCLUDE columns save {saved:.2%} of the workload's estimated time over "
                f"the existing {names}, too little for {size_mb:,.1f} MB"
            )
        return (
            f"saves {saved:.2%} of the workload's estimated time, too little for "
            f"{size_mb:,.1f} MB (time estimated from plan costs where the workload has no "
            "measured time)"
        )

    def drop_unmeasurable(self, chosen: list[Candidate]) -> list[Candidate]:
        """Leave out, weakest first, each chosen index that makes no statement
        MEASURABLE_GAIN cheaper given the rest of the set. Small gains on one statement add up
        in the workload's total (a join over small tables credited to three indexes, each
        saving 6-8 % of its plan cost) but none is seen when the index is built: HypoPG's
        estimate of a small index is optimistic, and a few % is within a statement's noise."""
        result = list(chosen)
        while result:
            shares = {c: self.best_share(c, frozenset(result) - {c}) for c in result}
            weakest = min(result, key=lambda c: (shares[c], self.sizes[c], self.names[c]))
            if shares[weakest] >= MEASURABLE_GAIN:
                break
            result.remove(weakest)
            self.rejected[weakest] = (
                f"it makes no statement {MEASURABLE_GAIN:.0%} cheaper "
                f"(at most {shares[weakest]:.1%}): too little to be measured"
            )
        return result

    def best_share(self, candidate: Candidate, others: frozenset[Candidate]) -> float:
        """The largest share of one statement's planner cost ``candidate`` saves beside
        ``others``."""
        best = 0.0
        for query in self.live:
            if candidate.table not in query.shape.tables:
                continue
            without = self.whatif.cost(query, others)
            with_it = self.whatif.cost(query, others | {candidate})
            if without is None or with_it is None or without.cost <= 0:
                continue
            best = max(best, 1.0 - with_it.cost / without.cost)
        return best

    def _plain_twin(self, candidate: Candidate) -> Candidate | None:
        if not candidate.include:
            return None
        shape = (candidate.table, candidate.keys, candidate.where, candidate.method)
        return next(
            (
                c
                for c in self.candidates
                if not c.include
                and (c.table, c.keys, c.where, c.method) == shape
                and c.opclass == candidate.opclass
            ),
            None,
        )

    def _saves_nothing_material(self, candidate: Candidate) -> bool:
        """A near-duplicate of an existing index (same keys, more INCLUDE columns) that saves
        no statement SUPERSEDE_MIN_SAVED planner cost units."""
        existing = self.superseded.get(candidate, ())
        if not existing:
            return False
        best = max((self.saved(q, frozenset(), candidate) for q in self.live), default=0.0)
        if best >= SUPERSEDE_MIN_SAVED:
            return False
        names = ", ".join(f"{i.schema}.{i.name}" for i in existing)
        self.rejected[candidate] = (
            f"same keys as the existing {names}; it saves at most {best:,.1f} planner cost units "
            "per statement (an index-only scan of a few rows), too little to be measured"
        )
        return True

    def saved(self, query: PlannedQuery, config: frozenset[Candidate], extra: Candidate) -> float:
        """Planner cost units ``query`` saves when ``extra`` joins ``config``."""
        if extra.table not in query.shape.tables:
            return 0.0
        without = self.whatif.cost(query, config)
        with_it = self.whatif.cost(query, config | {extra})
        if without is None or with_it is None:
            return 0.0
        return without.cost - with_it.cost

    def prefer_plain_twins(self, chosen: list[Candidate]) -> list[Candidate]:
        """A chosen covering index gives way to its plain twin (same keys, no INCLUDE) when
        the twin is much smaller and no statement costs SUPERSEDE_MIN_SAVED more with it."""
        result = list(chosen)
        for candidate in chosen:
            twin = self._plain_twin(candidate)
            if twin is None or self.sizes[twin] > PLAIN_TWIN_MAX_SIZE * self.sizes[candidate]:
                continue
            others = frozenset(result) - {candidate}
            if any(
                self.saved(q, others | {twin}, candidate) >= SUPERSEDE_MIN_SAVED for q in self.live
            ):
                continue
            position = result.index(candidate)
            if twin in result:
                del result[position]
            else:
                result[position] = twin
            self.rejected[candidate] = (
                f"the plain {self.names[twin]} is as good for every statement (within "
                f"{SUPERSEDE_MIN_SAVED:.0f} planner cost units) at "
                f"{self.sizes[twin] / max(self.sizes[candidate], 1):.0%} of the size"
            )
        return result

    def ahead(self, configs: Iterable[frozenset[Candidate]]) -> None:
        """Cost every statement under each of ``configs`` ahead, in a few round trips (the
        loops below then find them costed)."""
        self.whatif.prefetch((query, config) for config in configs for query in self.live)

    def fill(self, chosen: list[Candidate], threshold: float) -> list[Candidate]:
        """Add, best gain first, what fits the budget now and still pays."""
        while True:
            config = frozenset(chosen)
            self.ahead([config, *(config | {other} for other in self.helpful)])
            current = self.objective(config)
            best: tuple[float, Candidate] | None = None
            for other in self.helpful:
                if other in config or not self.fits(other, chosen):
                    continue
                gain = current - self.objective(config | {other})
                if gain > threshold and (best is None or gain > best[0]):
                    best = (gain, other)
            if best is None:
                return chosen
            chosen.append(best[1])

    def improve(self, chosen: list[Candidate], threshold: float) -> list[Candidate]:
        # Drop what the others made useless (a later composite serving an earlier single).
        self.ahead([frozenset(chosen), *(frozenset(chosen) - {c} for c in chosen)])
        for candidate in list(chosen):
            config = frozenset(chosen)
            without = config - {candidate}
            if self.objective(without) - self.objective(config) <= threshold:
                chosen.remove(candidate)
        # Same-table swaps: a smaller or better candidate in place of a chosen one.
        for candidate in list(chosen):
            config = frozenset(chosen)
            self.ahead(
                [
                    config,
                    config - {candidate},
                    *(
                        (config - {candidate}) | {other}
                        for other in self.helpful
                        if other not in config and other.table == candidate.table
                    ),
                ]
            )
            current = self.objective(config)
            # "Equal" within a tenth of the minimum gain, or a hundredth of what the chosen
            # index saves: a difference too small to weigh against size or rows read.
            saves = self.objective(config - {candidate}) - current
            tolerance = max(threshold / 10, TIE_SHARE * saves)
            best: tuple[float, Candidate] | None = None
            for other in self.helpful:  # only what helps on its own can help in a swap
                if other in config or other.table != candidate.table:
                    continue
                trial = (config - {candidate}) | {other}
                if not self.fits(other, [c for c in chosen if c != candidate]):
                    continue
                value = self.objective(trial)
                better = current - value > threshold or self.tie_prefers(
                    other,
                    candidate,
                    same_cost=abs(self.workload(config) - self.workload(trial)) <= tolerance,
                    same_objective=abs(current - value) <= tolerance,
                )
                if better and (best is None or value < best[0]):
                    best = (value, other)
            if best is not None:
                chosen[chosen.index(candidate)] = best[1]
        return chosen

    def tie_prefers(
        self, other: Candidate, candidate: Candidate, *, same_cost: bool, same_objective: bool
    ) -> bool:
        """At equal planner cost, the index that reads materially fewer rows
        (``advise.rowsread``; the decision is noted); at equal objective, else, the materially
        smaller one."""
        if not (same_cost or same_objective):
            return False
        accesses = [(a, self.weights[q.index]) for q in self.live for a in q.shape.accesses]
        reads = compare_reads(other, candidate, accesses, self.whatif.catalog.get(other.table))
        if same_cost and reads is not None and materially_fewer(reads[0], reads[1]):
            self.ties[other] = tie_note(other, candidate, reads)
            return True
        if same_cost and reads is not None and materially_fewer(reads[1], reads[0]):
            self.ties[candidate] = tie_note(candidate, other, (reads[1], reads[0]))
            return False
        return same_objective and self.sizes[other] < 0.8 * self.sizes[candidate]

    def fits(self, candidate: Candidate, chosen: list[Candidate]) -> bool:
        if any(
            c.table == candidate.table
            and c.keys == candidate.keys
            and c.where == candidate.where
            and c.method == candidate.method
            for c in chosen
        ):
            return False  # another INCLUDE list of a chosen index: a swap, not an addition
        if self.budget.max_indexes is not None and len(chosen) >= self.budget.max_indexes:
            return False
        if (
            self.budget.max_size is not None
            and sum(self.sizes[c] for c in chosen) + self.sizes[candidate] > self.budget.max_size
        ):
            return False
        per_table = sum(1 for c in chosen if c.table == candidate.table)
        return self.budget.max_per_table is None or per_table < self.budget.max_per_table


def _weight(query: PlannedQuery, base_cost: float) -> float:
    """What a statement weighs now: its measured time when the source has it, else its calls
    (a file: one each). Plan costs are not times, and one huge plan would otherwise drown every
    other statement of the file."""
    del base_cost
    if query.query.total_ms > 0:
        return query.query.total_ms
    return float(max(query.query.calls, 1))


def superseded_by(
    candidate: Candidate, indexes: tuple[ExistingIndex, ...]
) -> tuple[ExistingIndex, ...]:
    """Existing valid indexes with the candidate's keys, method and predicate whose INCLUDE
    columns the candidate has and more: the candidate would do all they do."""
    if not candidate.include:
        return ()
    labels = tuple(candidate.columns)
    return tuple(
        index
        for index in indexes
        if index.valid
        and index.method == candidate.method
        and index.keys == labels
        and index.predicate == candidate.where
        and set(index.include) < set(candidate.include)
    )


def droppable(index: ExistingIndex) -> bool:
    """An index the advice may propose to drop: not a constraint's, not unique."""
    return not (index.unique or index.primary or index.constraint)
