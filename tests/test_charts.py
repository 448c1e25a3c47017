"""The server-drawn SVG charts: they fill their box (a viewBox, width 100%, no pixel size)
and one day of data is still a bar or a point with its date and number."""

from __future__ import annotations

from datetime import date, timedelta

from bs4 import BeautifulSoup, Tag

from bot.web import charts

DAY = date(2026, 12, 1)


def svg(markup: str) -> Tag:
    found = BeautifulSoup(markup, "html.parser").svg
    assert found is not None
    return found


def texts(chart: Tag, css: str) -> list[str]:
    return [t.get_text() for t in chart.select(f"text.{css}")]


def test_a_chart_fills_its_box() -> None:
    chart = svg(charts.stacked_bars("Per day", [DAY], [("answered", "answer", [3])]))
    assert chart["viewbox"] == f"0 0 {charts.WIDTH} {charts.HEIGHT}"  # html.parser: lower case
    assert chart["width"] == "100%" and not chart.get("height")
    assert chart.title and chart.title.get_text() == "Per day"


def test_one_day_is_one_bar_with_its_date_and_total() -> None:
    series = [
        ("answered", "answer", [2]),
        ("not covered", "no_answer", [1]),
        ("urgent", "urgent", [0]),
    ]
    chart = svg(charts.stacked_bars("Per day", [DAY], series))
    bars = chart.select("rect")
    assert [b["class"] for b in bars] == [["answer"], ["no_answer"]]  # nothing drawn for 0
    width = float(str(bars[0]["width"]))
    assert 8 <= width <= charts.MAX_BAR  # a bar, not a slab across the whole chart
    middle = float(str(bars[0]["x"])) + width / 2
    assert abs(middle - (charts.LEFT + charts.WIDTH - charts.RIGHT) / 2) < 1  # centred
    assert "1 Dec" in texts(chart, "axis") and texts(chart, "value") == ["3"]
    assert [b.title.get_text() for b in bars] == ["1 Dec: 2 answered", "1 Dec: 1 not covered"]  # type: ignore[union-attr]
    heights = [float(str(b["height"])) for b in bars]
    assert all(h > 10 for h in heights)  # tall enough to see


def test_one_day_of_answer_rate_is_a_point_not_a_line() -> None:
    chart = svg(charts.line("Answer rate", [DAY], [2 / 3]))
    assert len(chart.select("circle")) == 1 and not chart.select("polyline")
    assert texts(chart, "value") == ["67%"] and "1 Dec" in texts(chart, "axis")
    assert float(str(chart.circle["r"])) >= 4  # type: ignore[index]


def test_a_day_with_nothing_says_so() -> None:
    bars = svg(charts.stacked_bars("Feedback", [DAY], [("helpful", "helpful", [0])], "No feedback"))
    assert not bars.select("rect") and texts(bars, "nodata") == ["No feedback"]
    rate = svg(charts.line("Answer rate", [DAY], [None], empty="No questions"))
    assert not rate.select("circle") and texts(rate, "nodata") == ["No questions"]


def test_a_month_labels_three_days_inside_the_plot() -> None:
    days = [DAY - timedelta(days=29 - n) for n in range(30)]
    chart = svg(charts.stacked_bars("Per day", days, [("answered", "answer", list(range(30)))]))
    dates = [t for t in chart.select("text.axis") if " " in t.get_text()]  # not the 0, 20, 40
    assert [t.get_text() for t in dates] == ["2 Nov", "17 Nov", "1 Dec"]
    assert [t["text-anchor"] for t in dates] == ["start", "middle", "end"]  # none cut off
    assert not texts(chart, "value")  # too many bars to write on
    rate = svg(charts.line("Answer rate", days, [0.5] * 30))
    assert len(rate.select("polyline")) == 1 and len(rate.select("circle")) == 30


def test_count_axes_have_whole_numbers() -> None:
    assert [charts._nice_max(v) for v in (0, 1, 2, 3, 5, 7, 10, 11, 45, 61)] == [
        2, 2, 2, 4, 6, 10, 10, 20, 60, 100,
    ]  # fmt: skip
