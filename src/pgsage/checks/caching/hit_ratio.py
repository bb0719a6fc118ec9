"""What cache checks share: hit ratios of block counters, and the busy-object guard."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pgsage.checks.base import Param

RATIO_PARAM = Param("min_ratio", 0.99, "report hit ratios below this")


@dataclass(frozen=True)
class HitRatio:
    hit: int
    read: int

    @property
    def total(self) -> int:
        return self.hit + self.read

    @property
    def ratio(self) -> float:
        return self.hit / self.total if self.total else 1.0

    def low(self, params: Mapping[str, Any]) -> bool:
        """Busy enough to judge, and below the wanted ratio."""
        return self.total >= int(params["min_blocks"]) and self.ratio < float(params["min_ratio"])

    def evidence(self, params: Mapping[str, Any]) -> dict[str, int | float]:
        return {
            "blocks_hit": self.hit,
            "blocks_read": self.read,
            "hit_ratio": round(self.ratio, 4),
            "min_ratio": float(params["min_ratio"]),
            "min_blocks": int(params["min_blocks"]),
        }


def hit_ratio(hit: int | None, read: int | None) -> HitRatio:
    return HitRatio(hit or 0, read or 0)


def low_hit_ratio(hit: int | None, read: int | None, params: Mapping[str, Any]) -> HitRatio | None:
    """The counters when ``HitRatio.low`` holds, else None. Most objects of a big database are
    too idle to judge: they are passed over before a HitRatio is made for them."""
    if (hit or 0) + (read or 0) < int(params["min_blocks"]):
        return None
    counters = hit_ratio(hit, read)
    return counters if counters.low(params) else None


BLOCKS_READ_NOTE = (
    "blocks 'read' may still come from the operating system's page cache, so "
    "a low ratio means work outside shared_buffers, not necessarily disk reads"
)
