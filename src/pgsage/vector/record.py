"""The record of measured recall: a small JSON file written by ``vector tune --record FILE``
and read by the vector audit checks (their ``measured_recall_file`` parameter).

Pure: reads and writes a file, never connects (the checks import it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "pgsage-vector-tune/1"


@dataclass(frozen=True)
class Measured:
    """One index's measured sweep: recall by setting value."""

    schema: str
    index: str
    definition: str
    setting: str
    k: int
    target: float
    recall: dict[int, float]
    recommended: int | None

    def recall_at(self, value: int) -> tuple[int, float] | None:
        """The recall measured at ``value``, or at the nearest lower value measured
        (recall only rises with the setting: a safe lower bound)."""
        lower = [v for v in self.recall if v <= value]
        if not lower:
            return None
        best = max(lower)
        return best, self.recall[best]


def entries(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's entries for a tune's JSON (``TuneResult.to_dict()``)."""
    found = []
    for ix in result.get("indexes", []):
        rec = ix.get("recommendation")
        found.append(
            {
                "database": result.get("database"),
                "schema": ix["schema"],
                "index": ix["index"],
                "definition": ix["definition"],
                "setting": "hnsw.ef_search" if ix["method"] == "hnsw" else "ivfflat.probes",
                "k": ix["k"],
                "target": ix["target"],
                "queries": ix["queries"],
                "recall": {str(p["value"]): p["recall"] for p in ix["sweep"]},
                "recommended": rec["value"] if rec else None,
                "measured_at": result.get("measured_at"),
            }
        )
    return found


def merge(path: Path, new: list[dict[str, Any]]) -> str:
    """The record file's new text: its entries with these replacing the same indexes'."""
    old: list[dict[str, Any]] = []
    if path.is_file():
        old = list(json.loads(path.read_text(encoding="utf-8")).get("indexes", []))
    keys = {(e["database"], e["schema"], e["index"]) for e in new}
    kept = [e for e in old if (e.get("database"), e.get("schema"), e.get("index")) not in keys]
    return json.dumps({"format": FORMAT, "indexes": [*kept, *new]}, indent=2) + "\n"


def load(path: str | Path, database: str | None = None) -> dict[tuple[str, str], Measured]:
    """The measurements by (schema, index), of one database when given. A missing or
    unreadable file raises OSError / ValueError (the check reports an error)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a pgsage vector tune record")
    found = {}
    for e in data.get("indexes", []):
        if database is not None and e.get("database") not in (None, database):
            continue
        found[(e["schema"], e["index"])] = Measured(
            schema=e["schema"],
            index=e["index"],
            definition=e.get("definition", ""),
            setting=e["setting"],
            k=int(e["k"]),
            target=float(e["target"]),
            recall={int(v): float(r) for v, r in e["recall"].items()},
            recommended=e.get("recommended"),
        )
    return found
