"""Tables without (fresh) statistics (issue 13 item 4): named per table in every format with
ANALYZE as the fix, the advice resting on them marked low-confidence, and never a refusal."""

from __future__ import annotations

import json
from pathlib import Path

from advise_support import load, run

from pgharness import TestDatabase
from pgsage.advise.model import RelName
from pgsage.advise.render import render_json, render_text
from pgsage.advise.report import advice_report
from pgsage.reports import html, markdown

# autovacuum off on both tables: it would analyze them behind the test's back.
TABLES = """
CREATE TABLE visits (id int, user_id int NOT NULL, seen_at timestamptz NOT NULL)
    WITH (autovacuum_enabled = off);
INSERT INTO visits SELECT g, g % 3000, timestamptz '2024-01-01' + g * interval '1 minute'
FROM generate_series(1, 60000) g;
CREATE TABLE payments (id int, account int NOT NULL, amount int NOT NULL)
    WITH (autovacuum_enabled = off);
INSERT INTO payments SELECT g, g % 50, g % 90 FROM generate_series(1, 1000) g;
ANALYZE payments;
INSERT INTO payments SELECT g, g % 4000, g % 90 FROM generate_series(1001, 80000) g;
"""
WORKLOAD = [
    "SELECT id, seen_at FROM visits WHERE user_id = 42",
    "SELECT id, amount FROM payments WHERE account = 1234",
    "SELECT id, name FROM users WHERE email = 'user42@example.com'",
]


def test_tables_without_statistics_are_named_and_their_advice_marked(
    db: TestDatabase, tmp_path: Path
) -> None:
    load(db)
    db.execute(TABLES)
    advice = run(db, tmp_path, WORKLOAD)
    states = {str(s.relation): s.state for s in advice.statistics}
    assert states == {"public.payments": "stale", "public.visits": "never-analyzed"}
    [visits] = [s for s in advice.statistics if s.relation == RelName("public", "visits")]
    assert "reltuples -1" in visits.detail and "no statistics in pg_stats" in visits.detail
    assert visits.fix.to_sql().endswith('ANALYZE "public"."visits";')
    # the advice is still given, each recommendation saying what it rests on
    confidence = {r.candidate.table.name: r.low_confidence for r in advice.recommendations}
    assert confidence["users"] == ()
    assert confidence["visits"] == ("public.visits",)
    assert confidence.get("payments", ("public.payments",)) == ("public.payments",)

    text = render_text(advice)
    assert "Tables without fresh statistics" in text
    assert "public.visits: never analyzed" in text and "public.payments:" in text
    assert "low confidence: it rests on public.visits" in text
    data = json.loads(render_json(advice))
    assert [(s["relation"], s["state"]) for s in data["statistics"]] == [
        ("public.payments", "stale"),
        ("public.visits", "never-analyzed"),
    ]
    assert all("ANALYZE" in s["fix"] for s in data["statistics"])
    by_table = {r["table"]: r for r in data["recommendations"]}
    assert by_table["public.visits"]["confidence"] == "low"
    assert by_table["public.users"]["confidence"] == "normal"
    report = advice_report(advice)
    flagged = [f for f in report.findings if f.check == "advice-statistics-missing"]
    assert [f.object.name for f in flagged if f.object is not None] == ["payments", "visits"]
    assert all(f.fix is not None and "ANALYZE" in f.fix.to_sql() for f in flagged)
    for rendered in (markdown.render(report), html.render(report)):
        assert "advice-statistics-missing" in rendered and "never analyzed" in rendered
        assert "low confidence" in rendered


def test_fresh_statistics_say_nothing(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    db.execute(TABLES)
    db.execute("ANALYZE visits; ANALYZE payments")
    advice = run(db, tmp_path, WORKLOAD)
    assert advice.statistics == ()
    assert all(r.low_confidence == () for r in advice.recommendations)
    assert "statistics" not in json.loads(render_json(advice))
