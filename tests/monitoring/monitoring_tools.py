"""Finding Debian's Prometheus tools; missing them fails the run when all servers are required."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """The path of ``name`` (promtool, prometheus), else skip, or fail under
    PGSAGE_REQUIRE_ALL_SERVERS=1 (``make test`` installs Debian's ``prometheus``)."""
    path = shutil.which(name)
    if path is None:
        message = (
            f"{name} is not installed (Debian package prometheus; "
            "scripts/system-deps.sh installs it)"
        )
        if os.environ.get("PGSAGE_REQUIRE_ALL_SERVERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path
