"""What a ``pgsage web`` process is told: targets, store, limits, security settings."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

from pgsage.errors import UsageError
from pgsage.settings import Settings

_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.I)
_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Limit:
    """``count`` hits per ``period_s`` seconds (a fixed window, kept in the store)."""

    count: int
    period_s: int

    @staticmethod
    def parse(text: str) -> Limit:
        """``10/minute``, ``5/15minutes``, ``100/hour``, ``1000/day``."""
        match = _LIMIT.match(text)
        if not match or int(match.group(1)) < 1:
            raise UsageError(f"a limit is N/second|minute|hour|day (e.g. 10/minute), not {text!r}")
        multiple = int(match.group(2) or 1)
        return Limit(int(match.group(1)), multiple * _PERIODS[match.group(3).lower()])

    def __str__(self) -> str:
        return f"{self.count}/{self.period_s}s"


@dataclass(frozen=True)
class WebConfig:
    targets: dict[str, str]
    store_dsn: str
    settings: Settings = field(default_factory=Settings)
    host: str = "127.0.0.1"
    port: int = 8765
    admin_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    expensive_limit: Limit = Limit(10, 60)
    login_user_limit: Limit = Limit(5, 60)
    login_address_limit: Limit = Limit(20, 60)
    register_limit: Limit = Limit(10, 60)
    session_hours: float = 12.0
    secure_cookies: bool | None = None  # None: Secure when the request came over TLS
    bcrypt_rounds: int = 12
    page_budget_s: float = 3.0  # how long a page waits for a target before showing what it has
    # how long a page waits for an on-demand computation (advisor, what-if, lint) before it
    # answers "still running, reload" (the computation goes on and is cached)
    compute_wait_s: float = 0.5
    # how old a target's snapshot (the audit the pages show "as of") may be before a page
    # refreshes it in the background: the collector's default interval
    cache_ttl_s: float = 300.0
    target_statement_timeout_ms: int = 10_000
    target_lock_timeout_ms: int = 200
    collect_interval_s: float = 300.0  # 0: no in-process scheduler
    space_interval_s: float = 86_400.0
    query_retention_days: int = 30
    space_retention_days: int = 365
    slow_request_ms: float = 1000.0
    migrations: Path | None = None  # linted on the Migrations page
    advisor_ttl_s: float = 300.0  # how long an advisor run is reused
    page_ttl_s: float = 5.0  # how long a built page model is reused (same snapshot)
    live_ttl_s: float = 2.0  # how long a read of live activity is reused

    def __post_init__(self) -> None:
        if not self.targets:
            raise UsageError("no target to serve")


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
