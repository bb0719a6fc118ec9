"""Candidates the what-if costing could not make visible to the planner, said the same way in
every format: the index (its definition), why, and how to get it costed."""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.advise.model import Advice, Candidate


@dataclass(frozen=True)
class Uncosted:
    index: str  # "public.users USING gin (tags)"
    reason: str
    how_to_cost: str

    def to_json(self) -> dict[str, str]:
        return {"index": self.index, "reason": self.reason, "how_to_cost": self.how_to_cost}

    def line(self) -> str:
        return f"{self.index}: {self.reason} — {self.how_to_cost}"


def describe(candidate: Candidate) -> str:
    """The index as a short definition: table, method (when not btree), keys, predicate."""
    using = "" if candidate.method == "btree" else f" USING {candidate.method}"
    include = f" INCLUDE ({', '.join(candidate.include)})" if candidate.include else ""
    where = f" WHERE {candidate.where}" if candidate.where else ""
    opclass = f" {candidate.opclass}" if candidate.opclass else ""
    keys = ", ".join(candidate.columns) + opclass
    return f"{candidate.table}{using} ({keys}){include}{where}"


def how_to_cost(reason: str, costing: str) -> str:
    """What the user can do so that the next run costs the candidate."""
    if "CREATE EXTENSION" in reason:
        return "create the extension (the reason says which), then rerun"
    if "sampled copy" in reason:
        return (
            "fix what the reason says about the sampled copy (--scratch-dsn names another "
            "server for it), or rerun with --allow-real-indexes (exact costs: builds it inside "
            "a rolled-back transaction; writes to the table wait meanwhile)"
        )
    if "--allow-real-indexes" in reason or "HypoPG is not installed" in reason:
        return (
            "rerun with --allow-real-indexes (builds it inside a rolled-back transaction; "
            "writes to the table wait meanwhile), or advise on the embedded server or a copy"
        )
    if "real" in costing:
        return (
            "the server refused to build it inside the transaction: fix what the reason says "
            "(an extension, an operator class, a timeout: --statement-timeout), then rerun"
        )
    return (
        "HypoPG refused it: rerun with --allow-real-indexes to build it inside a rolled-back "
        "transaction instead"
    )


def uncosted(advice: Advice) -> list[Uncosted]:
    return [
        Uncosted(describe(candidate), reason, how_to_cost(reason, advice.costing))
        for candidate, reason in advice.uncosted
    ]


def costing_label(hypo: int, real: int, hypopg: bool, sampled: int = 0) -> str:
    """What the candidates were costed with, for the progress line."""
    if sampled:
        first = costing_label(hypo, real, hypopg) if hypo or real else ""
        return (first + " and " if first else "") + f"a sampled copy ({sampled})"
    if hypo and real:
        return f"HypoPG ({hypo}) and real indexes in a rolled-back transaction ({real})"
    if real or not hypopg:
        return "real indexes in a rolled-back transaction"
    return "HypoPG"
