"""Small charts drawn on the server as SVG: no JavaScript, nothing from a CDN.

Each chart has a viewBox and width 100%, so it fills its box on a phone or a wide screen
(staff.css makes the labels larger on narrow screens, where the chart is drawn smaller).
Colours come from classes in staff.css (the pages allow no inline style). Each mark has
a <title>, so hovering shows its value; the pages also show the numbers as a table. With
a week or less, every day is labelled and every bar or point carries its value, so one day
of data still reads as a bar or a point with its date and number.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 250
LEFT, RIGHT, TOP, BOTTOM = 66, 14, 28, 36
INNER_H = HEIGHT - TOP - BOTTOM
MAX_BAR = 56  # a bar is never wider than this, even for one day across the whole chart
FEW_DAYS = 7  # up to this many days: every day labelled, every value written on the chart
_ids = count(1)


def _nice_max(value: float) -> float:
    """The top of a count axis: the least of 2, 4, 6, 10, 20, 40, 60, 100 … not below
    `value`, so the middle grid line is a whole number too."""
    magnitude = 1.0
    while True:
        for m in (2, 4, 6, 10):
            if m * magnitude >= value:
                return m * magnitude
        magnitude *= 10


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _x(days: list[date], i: int) -> float:
    step = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    return LEFT + step * (i + 0.5)


def _frame(title: str, days: list[date], top: float, unit: str) -> list[str]:
    chart_id = f"chart-{next(_ids)}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{chart_id}">'
        f'<title id="{chart_id}">{escape(title)}</title>'
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + INNER_H * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end">'
            f"{top * fraction:g}{unit}</text>"
        )
    if len(days) <= FEW_DAYS:
        labels = [(i, _x(days, i), "middle") for i in range(len(days))]
    else:  # the first and last day flush with the plot's edges, so neither is cut off
        labels = [(0, LEFT, "start"), (len(days) // 2, _x(days, len(days) // 2), "middle")]
        labels.append((len(days) - 1, WIDTH - RIGHT, "end"))
    for i, x, anchor in labels:
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">'
            f"{_day(days[i])}</text>"
        )
    return parts


def _value(x: float, y: float, label: str) -> str:
    return f'<text class="value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">{label}</text>'


def _nothing(parts: list[str], empty: str) -> None:
    parts.append(
        f'<text class="nodata" x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{TOP + INNER_H / 2:.1f}" '
        f'text-anchor="middle">{escape(empty)}</text>'
    )


def stacked_bars(
    title: str,
    days: list[date],
    series: list[tuple[str, str, list[int]]],
    empty: str = "Nothing in this period",
) -> Markup:
    """One bar a day, stacked by series (name, CSS class, values)."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    top = _nice_max(max(totals, default=0))
    parts = _frame(title, days, top, "")
    step = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    width = max(1.0, min(step * 0.8, MAX_BAR))
    for i, day in enumerate(days):
        base = 0
        x = _x(days, i) - width / 2
        for name, css, values in series:
            if not values[i]:
                continue
            height = INNER_H * values[i] / top
            y = TOP + INNER_H * (1 - (base + values[i]) / top)
            parts.append(
                f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}"><title>{_day(day)}: {values[i]} {escape(name)}</title>'
                "</rect>"
            )
            base += values[i]
        if len(days) <= FEW_DAYS and totals[i]:
            parts.append(_value(_x(days, i), TOP + INNER_H * (1 - totals[i] / top), str(totals[i])))
    if not any(totals):
        _nothing(parts, empty)
    parts.append("</svg>")
    return Markup("".join(parts))


def line(
    title: str,
    days: list[date],
    values: list[float | None],
    css: str = "rate",
    empty: str = "Nothing in this period",
) -> Markup:
    """A 0-100 % line; days without a value leave a gap, a lone day is a point."""
    parts = _frame(title, days, 100, "%")
    runs: list[list[str]] = [[]]
    points: list[str] = []
    radius = 5 if len(days) <= FEW_DAYS else 3
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        if value is None:
            runs.append([])
            continue
        x, y = _x(days, i), TOP + INNER_H * (1 - value)
        runs[-1].append(f"{x:.1f},{y:.1f}")
        points.append(
            f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}">'
            f"<title>{_day(day)}: {value:.0%}</title></circle>"
        )
        if len(days) <= FEW_DAYS:
            points.append(_value(x, y, f"{value:.0%}"))
    for run in runs:
        if len(run) > 1:
            parts.append(f'<polyline class="{css}-line" points="{" ".join(run)}"/>')
    parts.extend(points)  # over the line
    if not points:
        _nothing(parts, empty)
    parts.append("</svg>")
    return Markup("".join(parts))
