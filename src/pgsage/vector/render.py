"""A tune as text (a table per index) and as an SVG chart (recall against the setting, drawn
here: no plotting library)."""

from __future__ import annotations

import json
import math
from html import escape

from pgsage.vector.model import IndexTune, SweepPoint, TuneResult


def render_json(result: TuneResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


def _table(points: tuple[SweepPoint, ...], k: int) -> list[str]:
    lines = [f"    {'setting':<24} {'recall@' + str(k):>9} {'p50 ms':>9} {'p95 ms':>9}"]
    for p in points:
        name = f"{p.setting} = {p.value}"
        lines.append(f"    {name:<24} {p.recall:>9.3f} {p.p50_ms:>9.2f} {p.p95_ms:>9.2f}")
    return lines


def _index_text(ix: IndexTune) -> list[str]:
    lines = [
        f"{ix.schema}.{ix.index} ({ix.method}, {ix.opclass}) on {ix.table}.{ix.column}: "
        f"recall@{ix.k} over {ix.queries} queries ({ix.query_source})",
        *_table(ix.sweep, ix.k),
    ]
    if ix.current is not None:
        lines.append(
            f"  session setting: {ix.current.setting} = {ix.current.value} → recall "
            f"{ix.current.recall:.3f}"
        )
    if ix.rule_of_thumb is not None:
        lines.append(
            f"  rule of thumb (audit checks): {ix.rule_of_thumb.setting} = "
            f"{ix.rule_of_thumb.value} → recall {ix.rule_of_thumb.recall:.3f}"
        )
    if ix.recommendation is not None:
        rec = ix.recommendation
        lines += [
            f"  recommendation: {rec.setting} = {rec.value} reaches recall {rec.recall:.3f} "
            f"(target {ix.target}), p95 {rec.p95_ms:.2f} ms",
            f"    {rec.sql}",
            f"    or per transaction: {rec.set_local}",
        ]
    if ix.rebuild is not None:
        rb = ix.rebuild
        lines += [
            f"  no setting reaches recall {ix.target}: rebuild — {rb.reason}",
            f"  estimated build ≈ {rb.estimated_build_s:.0f} s (one worker, rough), size ≈ "
            f"{rb.estimated_size_bytes / 2**20:.0f} MiB",
            *(f"    {line}" for line in rb.fix.to_sql().splitlines()),
        ]
    if ix.filtered is not None:
        lines += _filtered_text(ix)
    lines += [f"  note: {note}" for note in ix.notes]
    return lines


def _filtered_text(ix: IndexTune) -> list[str]:
    f = ix.filtered
    assert f is not None
    lines = [f"  with filter {f.condition}:", *_table(f.sweep, ix.k)]
    if f.iterative_sweep:
        lines.append("  with the filter and iterative_scan = relaxed_order:")
        lines += _table(f.iterative_sweep, ix.k)
    if f.recall_drop is not None:
        lines.append(f"  recall drop with the filter: {f.recall_drop:.3f}")
    lines += [f"  - {a}" for a in f.advice]
    return lines


def render_text(result: TuneResult) -> str:
    lines = [f"pgsage vector tune — {result.database}, pgvector {result.pgvector}", ""]
    for ix in result.indexes:
        lines += [*_index_text(ix), ""]
    lines += [f"note: {note}" for note in result.notes]
    lines.append(f"tuned {len(result.indexes)} index(es) in {result.elapsed_s:.1f} s")
    return "\n".join(lines) + "\n"


# -- SVG ----------------------------------------------------------------------------------
WIDTH, HEIGHT, PAD = 720, 360, 56
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _series(result: TuneResult) -> list[tuple[str, tuple[SweepPoint, ...]]]:
    found = []
    for ix in result.indexes:
        found.append((f"{ix.index} ({ix.setting})", ix.sweep))
        if ix.filtered is not None:
            found.append((f"{ix.index} filtered", ix.filtered.sweep))
            if ix.filtered.iterative_sweep:
                found.append((f"{ix.index} filtered, iterative", ix.filtered.iterative_sweep))
    return [(name, points) for name, points in found if points]


def render_svg(result: TuneResult) -> str:
    """Recall@k (y, 0..1) against the setting (x, log2), one line per index and filter."""
    series = _series(result)
    values = [p.value for _, points in series for p in points] or [1]
    low, high = math.log2(min(values)), math.log2(max(values))
    span = max(high - low, 1.0)

    def x(value: int) -> float:
        return PAD + (math.log2(value) - low) / span * (WIDTH - 2 * PAD)

    def y(recall: float) -> float:
        return HEIGHT - PAD - recall * (HEIGHT - 2 * PAD)

    total = HEIGHT + 16 * len(series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{total}" '
        f'viewBox="0 0 {WIDTH} {total}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{total}" fill="white"/>',
        f'<text x="{PAD}" y="20" font-size="14">recall@k by setting (ef_search / probes, '
        "log scale)</text>",
    ]
    if result.indexes:
        goal = result.indexes[0].target
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(goal):.1f}" y2="{y(goal):.1f}" '
            f'stroke="#888" stroke-dasharray="4 3"/><text x="{WIDTH - PAD + 4}" '
            f'y="{y(goal) + 4:.1f}">target {goal:g}</text>'
        )
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{PAD - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    for value in sorted(set(values)):
        parts.append(
            f'<text x="{x(value):.1f}" y="{HEIGHT - PAD + 16}" text-anchor="middle">{value}</text>'
        )
    for number, (name, points) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        ordered = sorted(points, key=lambda p: p.value)
        path = " ".join(f"{x(p.value):.1f},{y(p.recall):.1f}" for p in ordered)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for p in ordered:
            parts.append(
                f'<circle cx="{x(p.value):.1f}" cy="{y(p.recall):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)}: {p.setting} = {p.value}, recall {p.recall:.3f}, "
                f"p95 {p.p95_ms:.2f} ms</title></circle>"
            )
        parts.append(
            f'<text x="{PAD}" y="{HEIGHT - 8 + 16 * number}" fill="{colour}">'
            f"— {escape(name)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
