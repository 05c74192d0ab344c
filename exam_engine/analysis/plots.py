"""Small server-side SVG charts: no JavaScript, no CDN, accessible.

Each chart is an `<svg role="img">` with a `<title>` and `<desc>` (referenced by
aria-labelledby); the page gives the same numbers in a table as the text alternative.
Values are escaped; colours come from app.css custom properties via classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 560, 320
MARGIN = {"left": 56, "right": 16, "top": 16, "bottom": 48}


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    label: str
    ticks: Sequence[float]

    def scale(self, value: float, start: float, end: float) -> float:
        return start + (value - self.low) / (self.high - self.low) * (end - start)


def _frame(chart_id: str, title: str, description: str, body: list[str], size: tuple[int, int] = (WIDTH, HEIGHT)
           ) -> Markup:
    head = (f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {size[0]} {size[1]}" '
            f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
            f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _axes(x: Axis, y: Axis) -> list[str]:
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]
    top, bottom = MARGIN["top"], HEIGHT - MARGIN["bottom"]
    parts = [f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>',
             f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>']
    for tick in x.ticks:
        px = x.scale(tick, left, right)
        parts.append(f'<text class="tick" x="{px:.1f}" y="{bottom + 16}" text-anchor="middle">{tick:g}</text>')
    for tick in y.ticks:
        py = y.scale(tick, bottom, top)
        parts.append(f'<line class="grid" x1="{left}" y1="{py:.1f}" x2="{right}" y2="{py:.1f}"/>'
                     f'<text class="tick" x="{left - 6}" y="{py + 4:.1f}" text-anchor="end">{tick:g}</text>')
    parts.append(f'<text class="axis-label" x="{(left + right) / 2:.1f}" y="{HEIGHT - 8}" '
                 f'text-anchor="middle">{escape(x.label)}</text>')
    parts.append(f'<text class="axis-label" transform="rotate(-90)" x="{-(top + bottom) / 2:.1f}" y="14" '
                 f'text-anchor="middle">{escape(y.label)}</text>')
    return parts


def curve_with_points(chart_id: str, title: str, description: str, curve: Sequence[tuple[float, float]],
                      points: Sequence[tuple[float, float, int]], x_label: str, y_label: str) -> Markup:
    """A model curve (line) with observed group proportions (circles sized by group) over it."""
    x = Axis(-4.0, 4.0, x_label, (-4, -3, -2, -1, 0, 1, 2, 3, 4))
    y = Axis(0.0, 1.0, y_label, (0, 0.25, 0.5, 0.75, 1))
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]
    top, bottom = MARGIN["top"], HEIGHT - MARGIN["bottom"]
    path = " ".join(f"{'M' if n == 0 else 'L'}{x.scale(t, left, right):.1f},{y.scale(p, bottom, top):.1f}"
                    for n, (t, p) in enumerate(curve) if x.low <= t <= x.high)
    body = _axes(x, y) + [f'<path class="curve" d="{path}"/>']
    largest = max((n for _, _, n in points), default=1)
    for t, p, n in points:
        t = min(max(t, x.low), x.high)
        radius = 3 + 5 * (n / largest) ** 0.5
        body.append(f'<circle class="observed" cx="{x.scale(t, left, right):.1f}" cy="{y.scale(p, bottom, top):.1f}" '
                    f'r="{radius:.1f}"><title>{n} learners, mean ability {t:.2f}: {p:.2f}</title></circle>')
    return _frame(chart_id, title, description, body)


def bars(chart_id: str, title: str, description: str, rows: Sequence[tuple[str, float]], y_label: str) -> Markup:
    """Vertical bars, one per (label, value); values at or above 0."""
    top_value = max((value for _, value in rows), default=0.0)
    high = _nice(top_value)
    y = Axis(0.0, high, y_label, [high * k / 4 for k in range(5)])
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]
    top, bottom = MARGIN["top"], HEIGHT - MARGIN["bottom"]
    body = _axes(Axis(0, 1, "", ()), y)
    step = (right - left) / max(len(rows), 1)
    for n, (label, value) in enumerate(rows):
        px, py = left + n * step + step * 0.15, y.scale(value, bottom, top)
        body.append(f'<rect class="bar" x="{px:.1f}" y="{py:.1f}" width="{step * 0.7:.1f}" height="{bottom - py:.1f}">'
                    f'<title>{escape(label)}: {value:g}</title></rect>')
        if len(rows) <= 8:  # more would overlap; the table after the chart names every bar
            body.append(f'<text class="tick" x="{px + step * 0.35:.1f}" y="{bottom + 16}" text-anchor="middle">'
                        f'{escape(label[-8:])}</text>')
    return _frame(chart_id, title, description, body)


def heat_grid(chart_id: str, title: str, description: str, rows: Sequence[str], columns: Sequence[str],
              counts: Sequence[Sequence[int]]) -> Markup:
    """A grid of cells shaded by count (empty cells marked), rows x columns, counts written in."""
    cell_w, cell_h, label_w, head_h = 90, 26, 90, 28
    width, height = label_w + cell_w * len(columns) + 4, head_h + cell_h * len(rows) + 4
    top_value = max((c for row in counts for c in row), default=0) or 1
    body = [f'<text class="tick" x="{label_w + cell_w * (k + 0.5):.1f}" y="18" text-anchor="middle">{escape(c)}</text>'
            for k, c in enumerate(columns)]
    for r, name in enumerate(rows):
        y0 = head_h + r * cell_h
        body.append(f'<text class="tick" x="{label_w - 8}" y="{y0 + 17}" text-anchor="end">{escape(name)}</text>')
        for k, count in enumerate(counts[r]):
            shade = 0 if count == 0 else 1 + min(4, int(4 * count / top_value))
            body.append(f'<rect class="cell cell--{shade}" x="{label_w + k * cell_w}" y="{y0}" width="{cell_w - 2}" '
                        f'height="{cell_h - 2}"><title>{escape(name)}, {escape(columns[k])}: {count}</title></rect>'
                        f'<text class="cell-count" x="{label_w + (k + 0.5) * cell_w:.1f}" y="{y0 + 17}" '
                        f'text-anchor="middle">{count if count else "none"}</text>')
    return _frame(chart_id, title, description, body, (width, height))


def _nice(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above `value` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)
