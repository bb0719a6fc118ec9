"""What replication checks share: readable sizes in messages."""

from __future__ import annotations


def human_bytes(value: float) -> str:
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if abs(size) < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
