"""Small charts drawn on the server as SVG: no JavaScript, nothing from a CDN.

Colours come from classes in staff.css (the pages allow no inline style). Each mark has
a <title>, so hovering shows its value; the pages also show the numbers as a table.
"""

from __future__ import annotations

import math
from datetime import date
from itertools import count

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
_ids = count(1)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10.0 ** math.floor(math.log10(value))
    return float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= value))


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _frame(title: str, days: list[date], top: float, unit: str) -> tuple[str, list[str]]:
    chart_id = f"chart-{next(_ids)}"
    inner_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}"><title id="{chart_id}">{escape(title)}</title>'
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + inner_h * (1 - fraction)
        value = top * fraction
        label = f"{value:g}{unit}"
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    if days:
        step = (WIDTH - LEFT - RIGHT) / len(days)
        for i in sorted({0, len(days) // 2, len(days) - 1}):
            x = LEFT + step * (i + 0.5)
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                f"{_day(days[i])}</text>"
            )
    return chart_id, parts


def stacked_bars(title: str, days: list[date], series: list[tuple[str, str, list[int]]]) -> Markup:
    """One bar a day, stacked by series (name, CSS class, values)."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    top = _nice_max(max(totals, default=0))
    _, parts = _frame(title, days, top, "")
    inner_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    width = max(1.0, step * 0.8)
    for i, day in enumerate(days):
        base = 0
        for name, css, values in series:
            if not values[i]:
                continue
            height = inner_h * values[i] / top
            y = TOP + inner_h * (1 - (base + values[i]) / top)
            parts.append(
                f'<rect class="{css}" x="{LEFT + step * i + (step - width) / 2:.1f}" '
                f'y="{y:.1f}" width="{width:.1f}" height="{height:.1f}">'
                f"<title>{_day(day)}: {values[i]} {escape(name)}</title></rect>"
            )
            base += values[i]
    parts.append("</svg>")
    return Markup("".join(parts))


def line(title: str, days: list[date], values: list[float | None], css: str = "rate") -> Markup:
    """A 0-100 % line; days without a value leave a gap."""
    _, parts = _frame(title, days, 100, "%")
    inner_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    runs: list[list[str]] = [[]]
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        if value is None:
            runs.append([])
            continue
        x, y = LEFT + step * (i + 0.5), TOP + inner_h * (1 - value)
        runs[-1].append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{_day(day)}: {value:.0%}</title></circle>"
        )
    for run in runs:
        if len(run) > 1:
            parts.append(f'<polyline class="{css}-line" points="{" ".join(run)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
