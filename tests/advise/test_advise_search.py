"""The search under a budget, and the write charge on write-heavy tables."""

from __future__ import annotations

from pathlib import Path

from advise_support import hypopg, load, on, run

from pgharness import TestDatabase
from pgsage.advise.command import AdviseOptions, advise
from pgsage.advise.search import Budget

TWO_ON_USERS = ["SELECT id FROM users WHERE email = 'user42@example.com'",
                "SELECT id FROM users WHERE tenant_id = 17 AND city = 'c17'"]


def test_budgets_are_respected(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    free = run(db, tmp_path, TWO_ON_USERS)
    assert len(on(free, "public.users")) == 2
    per_table = run(db, tmp_path, TWO_ON_USERS, budget=Budget(max_per_table=1))
    assert len(on(per_table, "public.users")) == 1
    smallest = min(r.size_bytes for r in free.recommendations)
    sized = run(db, tmp_path, TWO_ON_USERS, budget=Budget(max_size=smallest))
    assert [r.size_bytes for r in sized.recommendations] == [smallest]


def test_write_heavy_table_gets_no_marginal_index(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    line = ("2026-12-01 08:00:00.000 UTC [1] LOG:  duration: {ms} ms  statement: {sql}\n")
    read = "SELECT id FROM orders WHERE user_id = 77"
    write = "INSERT INTO orders (id, user_id, total, placed_at) VALUES (1000001, 5, 1, now())"
    quiet, busy = tmp_path / "quiet.log", tmp_path / "busy.log"
    quiet.write_text(line.format(ms="5.0", sql=read))
    busy.write_text(line.format(ms="5.0", sql=read) + line.format(ms="900.0", sql=write))
    real = not hypopg(db)
    assert on(advise(db.dsn, AdviseOptions(log_file=quiet, allow_real_indexes=real)),
              "public.orders")
    # The INSERTs cost far more than the look-up could save: the index is not worth its upkeep.
    assert not on(advise(db.dsn, AdviseOptions(log_file=busy, allow_real_indexes=real)),
                  "public.orders")
