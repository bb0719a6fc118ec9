"""Line charts drawn on the server as SVG: no script, no CDN, presentation attributes only
(the page's CSP allows no inline style), with a least-squares forecast line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 30, 40


@dataclass(frozen=True)
class Trend:
    """y = intercept + slope * t (t in seconds since the epoch)."""

    slope: float
    intercept: float

    def at(self, t: float) -> float:
        return self.intercept + self.slope * t

    def days_until(self, value: float, now: float) -> float | None:
        """Days from ``now`` until the trend reaches ``value`` (None: never, or not rising)."""
        if self.slope <= 0:
            return None
        seconds = (value - self.at(now)) / self.slope
        return max(seconds / 86400, 0.0)


def trend(points: Sequence[tuple[float, float]]) -> Trend | None:
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    slope = sum((t - mean_t) * (y - mean_y) for t, y in points) / var
    return Trend(slope, mean_y - slope * mean_t)


def human_bytes(value: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def plain(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def line_chart(
    title: str,
    series: Sequence[tuple[datetime, float]],
    *,
    fmt: Callable[[float], str] = plain,
    forecast: bool = True,
    forecast_fraction: float = 0.3,
) -> str:
    """An SVG document: the series, and a dashed forecast over ``forecast_fraction`` more of
    the time span."""
    points = [(ts.timestamp(), value) for ts, value in series]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="18" font-family="sans-serif" font-size="14" '
        f'fill="#1f2328">{escape(title)}</text>',
    ]
    if len(points) < 2:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-family='
            f'"sans-serif" font-size="13" fill="#57606a">not enough history yet '
            f"({len(points)} sample{'s' if len(points) != 1 else ''}) — pgsage collect "
            "records it</text>"
        )
        parts.append("</svg>")
        return "\n".join(parts)
    fit = trend(points) if forecast else None
    t0, t1 = points[0][0], points[-1][0]
    t_end = t1 + (t1 - t0) * forecast_fraction if fit else t1
    ys = [y for _, y in points]
    if fit:
        ys.append(fit.at(t_end))
    y_min, y_max = min(0.0, *ys), max(ys)
    if y_max == y_min:
        y_max = y_min + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + (t - t0) / ((t_end - t0) or 1) * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - (v - y_min) / (y_max - y_min) * plot_h

    for i in range(5):
        value = y_min + (y_max - y_min) * i / 4
        yy = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{WIDTH - RIGHT}" y2="{yy:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" font-family="sans-serif" '
            f'font-size="11" fill="#57606a">{escape(fmt(value))}</text>'
        )
    for t in (t0, t1):
        label = datetime.fromtimestamp(t, UTC).strftime("%m-%d %H:%M")
        parts.append(
            f'<text x="{x(t):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-family="sans-serif" font-size="11" fill="#57606a">{label}</text>'
        )
    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    parts.append(
        f'<polyline class="series" points="{line}" fill="none" stroke="#0969da" stroke-width="2"/>'
    )
    if fit:
        parts.append(
            f'<polyline class="forecast" points="{x(t1):.1f},{y(fit.at(t1)):.1f} '
            f'{x(t_end):.1f},{y(fit.at(t_end)):.1f}" fill="none" stroke="#bf8700" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="18" text-anchor="end" font-family="sans-serif" '
            'font-size="11" fill="#bf8700">forecast (linear)</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
