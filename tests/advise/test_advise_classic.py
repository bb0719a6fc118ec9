"""The classic cases, on both servers: PG 15 costs with HypoPG, PG 18 with real indexes built
inside a rolled-back transaction. Data is loaded once per server; every case runs and the
failures are reported together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from advise_support import load, on, run, shapes

from pgharness import TestDatabase
from pgsage.advise.model import Advice

Expect = Callable[[Advice], bool]

CASES: list[tuple[str, list[str], Expect]] = [
    (
        "a selective equality gets a btree",
        ["SELECT id, name FROM users WHERE email = 'user42@example.com'"],
        lambda a: shapes(a) == [("public.users", ("email",), None)],
    ),
    (
        "two equalities get a composite, most selective first",
        ["SELECT id, name FROM users WHERE city = 'c17' AND tenant_id = 17"],
        lambda a: (
            [r.candidate.columns[:2] for r in on(a, "public.users")] == [("tenant_id", "city")]
        ),
    ),
    (
        "equality + ORDER BY ... LIMIT: a composite with the sort column",
        ["SELECT id, name FROM users WHERE tenant_id = 17 ORDER BY created_at DESC LIMIT 5"],
        lambda a: (
            [r.candidate.columns for r in on(a, "public.users")] == [("tenant_id", "created_at")]
        ),
    ),
    (
        "join keys get the index on the large side",
        [
            "SELECT o.id, o.total FROM users u JOIN orders o ON o.user_id = u.id "
            "WHERE u.email = 'user42@example.com'"
        ],
        lambda a: (
            ("public.orders", ("user_id",), None) in shapes(a)
            and not any(r.candidate.columns == ("id",) for r in on(a, "public.users"))
        ),
    ),
    (
        "a view is resolved to its table",
        ["SELECT email FROM active_users WHERE tenant_id = 17"],
        lambda a: [r.candidate.columns[0] for r in on(a, "public.users")] == ["tenant_id"],
    ),
    (
        "a partitioned parent gets the index, built per partition and attached",
        ["SELECT id FROM events WHERE account_id = 42"],
        lambda a: (
            [r.candidate.columns for r in on(a, "public.events")] == [("account_id",)]
            and len(on(a, "public.events")[0].partitions) == 2
        ),
    ),
    (
        "quoted, mixed-case schema and names",
        ['SELECT amount FROM "Billing"."Invoices" i WHERE i."AccountId" = 7'],
        lambda a: [r.candidate.columns[0] for r in on(a, "Billing.Invoices")] == ["AccountId"],
    ),
    (
        "a CTE and a subquery are seen through",
        [
            "WITH recent AS (SELECT user_id, total FROM orders WHERE placed_at > "
            "'2024-02-20') SELECT * FROM (SELECT user_id FROM recent) r WHERE r.user_id = 5"
        ],
        lambda a: bool(on(a, "public.orders")),
    ),
    (
        "an UPDATE's and a DELETE's predicates count",
        [
            "UPDATE users SET name = 'x' WHERE email = 'user7@example.com'",
            "DELETE FROM orders WHERE user_id = 77",
        ],
        lambda a: (
            ("public.users", ("email",), None) in shapes(a)
            and ("public.orders", ("user_id",), None) in shapes(a)
        ),
    ),
    (
        "nothing for a full-table scan",
        ["SELECT count(*) FROM users", "SELECT * FROM orders"],
        lambda a: a.recommendations == (),
    ),
]


def test_classic_cases(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    failures = []
    for name, statements, expect in CASES:
        advice = run(db, tmp_path, statements)
        if not expect(advice):
            failures.append(f"{name}: got {shapes(advice)}")
    assert not failures, "\n".join(failures)
