"""The what-if evaluations the search costs ahead, many to a round trip (``WhatIf.prefetch``),
give the advice the one-by-one path gives (``WhatIf.cost`` alone: prefetch switched off)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from advise_support import load, run

from pgharness import TestServer
from pgsage.advise.model import Advice, Candidate
from pgsage.advise.render import to_json
from pgsage.advise.whatif import PlannedQuery, WhatIf

WORKLOAD = [
    "SELECT id, email FROM users WHERE tenant_id = 17 AND status = 'active'",
    "SELECT * FROM users WHERE country = 'DE' ORDER BY created_at DESC LIMIT 20",
    "SELECT count(*) FROM users WHERE status = 'pending'",
    "SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE u.city = 'c17'",
    "SELECT sum(total) FROM orders WHERE user_id = 4242",
    "SELECT id FROM orders WHERE placed_at >= '2024-01-10' AND placed_at < '2024-01-11'",
    'SELECT "Id" FROM "Billing"."Invoices" WHERE "AccountId" = 12',
    "SELECT count(*) FROM events WHERE account_id = 42 AND happened_at >= '2025-03-01'",
    "SELECT id FROM users WHERE email = $1",
    "UPDATE users SET status = 'banned' WHERE id = 99",
]


def _json(advice: Advice) -> str:
    data = to_json(advice)
    data.pop("seconds", None)
    return json.dumps(data, sort_keys=True)


def test_prefetched_evaluations_give_the_same_advice(
    pg15: TestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = pg15.create_database()
    try:
        load(db)
        ahead = run(db, tmp_path, WORKLOAD)
        asked: list[int] = []
        original = WhatIf.prefetch

        def counted(
            self: WhatIf, pairs: Iterable[tuple[PlannedQuery, frozenset[Candidate]]]
        ) -> None:
            before = len(self._cache)
            original(self, pairs)
            asked.append(len(self._cache) - before)

        monkeypatch.setattr(WhatIf, "prefetch", counted)
        counted_run = run(db, tmp_path, WORKLOAD)

        def one_by_one(self: WhatIf, pairs: object) -> None:
            del self, pairs

        monkeypatch.setattr(WhatIf, "prefetch", one_by_one)
        alone = run(db, tmp_path, WORKLOAD)
    finally:
        pg15.drop_database(db.name)
    assert len(ahead.recommendations) >= 3, ahead.uncosted
    assert sum(asked) > 20  # the prefetch did cost most evaluations ahead
    assert _json(ahead) == _json(alone) == _json(counted_run)
