"""The web process's own collector: every ``collect_interval_s`` it samples each target into
the store (the same ``pgsage.commands.collect`` as ``pgsage collect``). Several processes
sharing a store coordinate through the store: a per-target advisory lock, and a target
sampled less than 80 % of an interval ago is skipped."""

from __future__ import annotations

import logging
import threading

from pgsage.commands.collect import Audit, CollectOptions, audit_only, collect
from pgsage.db.connect import scrub_secrets
from pgsage.web.config import WebConfig
from pgsage.web.store import Store

logger = logging.getLogger("pgsage.web.scheduler")


class Scheduler:
    def __init__(self, config: WebConfig, store: Store, audit: Audit = audit_only) -> None:
        self.config = config
        self.store = store
        self.audit = audit  # the web's pages keep the audit each collection takes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pgsage-collect", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> None:
        results = collect(
            self.store,
            self.config.targets,
            self.config.settings.model_copy(
                update={
                    "statement_timeout_ms": self.config.target_statement_timeout_ms,
                    "lock_timeout_ms": self.config.target_lock_timeout_ms,
                    "application_name": "pgsage-collect",
                }
            ),
            CollectOptions(
                min_gap_s=self.config.collect_interval_s * 0.8,
                space_interval_s=self.config.space_interval_s,
                query_retention_days=self.config.query_retention_days,
                space_retention_days=self.config.space_retention_days,
                audit=self.audit,
            ),
        )
        for result in results:
            logger.info("collect %s: %s %s", result.target, result.status, result.detail)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # the next round tries again
                logger.error("collect failed: %s", scrub_secrets(repr(exc)))
            self._stop.wait(self.config.collect_interval_s)
