"""Readable quantities for messages and reports. A leaf: imports nothing of pgsage."""

from __future__ import annotations

__all__ = ["human_bytes"]


def human_bytes(value: float) -> str:
    """Bytes in binary units (1 kB = 1024 B), one decimal from kB on: ``8.0 kB``, ``1.2 GB``."""
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if abs(size) < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
