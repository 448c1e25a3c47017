"""Times as staff read them: a stored UTC moment shown in the clinic's zone (daylight saving
included), the Australian way, by one helper and the `when` filter every page uses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.settings import Settings
from bot.web.templates import TEMPLATES
from bot.web.times import clinic_time

SYDNEY = "Australia/Sydney"


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        # Summer: daylight time, UTC+11.
        (datetime(2026, 12, 1, 5, 5, tzinfo=UTC), "1 Dec 2026, 4:05 pm"),
        (datetime(2026, 1, 15, 3, 0, tzinfo=UTC), "15 Jan 2026, 2:00 pm"),
        # Winter: standard time, UTC+10.
        (datetime(2026, 7, 15, 3, 0, tzinfo=UTC), "15 Jul 2026, 1:00 pm"),
        # Daylight time ends at 3 am on 5 April 2026: 2 to 3 am happens twice.
        (datetime(2026, 4, 4, 15, 59, tzinfo=UTC), "5 Apr 2026, 2:59 am"),
        (datetime(2026, 4, 4, 16, 0, tzinfo=UTC), "5 Apr 2026, 2:00 am"),
        # It starts at 2 am on 4 October 2026: the clock jumps to 3 am.
        (datetime(2026, 10, 3, 15, 59, tzinfo=UTC), "4 Oct 2026, 1:59 am"),
        (datetime(2026, 10, 3, 16, 0, tzinfo=UTC), "4 Oct 2026, 3:00 am"),
        # The clinic's day, not UTC's: late on 1 Dec in UTC is 2 Dec in Sydney.
        (datetime(2026, 12, 1, 14, 0, tzinfo=UTC), "2 Dec 2026, 1:00 am"),
        # Midnight and noon on a 12-hour clock.
        (datetime(2026, 6, 30, 14, 0, tzinfo=UTC), "1 Jul 2026, 12:00 am"),
        (datetime(2026, 7, 1, 2, 0, tzinfo=UTC), "1 Jul 2026, 12:00 pm"),
    ],
)
def test_a_utc_moment_in_sydney_time_en_au_style(utc: datetime, shown: str) -> None:
    assert clinic_time(utc, SYDNEY) == shown


def test_the_styles_and_what_else_may_come() -> None:
    moment = datetime(2026, 12, 1, 5, 5, 9, tzinfo=UTC)
    assert clinic_time(moment, SYDNEY, "seconds") == "1 Dec 2026, 4:05:09 pm"
    assert clinic_time(moment, SYDNEY, "date") == "1 Dec 2026"
    assert clinic_time(moment, SYDNEY, "time") == "4:05 pm"
    # A build's manifest keeps an ISO string; the database's naive values are UTC.
    assert clinic_time("2026-12-01T05:05:09+00:00", SYDNEY) == "1 Dec 2026, 4:05 pm"
    assert clinic_time(datetime(2026, 12, 1, 5, 5), SYDNEY) == "1 Dec 2026, 4:05 pm"
    # A calendar date (an article's review date) has no zone to convert it by.
    assert clinic_time(date(2026, 3, 1), SYDNEY) == "1 Mar 2026"
    assert clinic_time("2026-03-01", SYDNEY) == "1 Mar 2026"
    assert clinic_time(None, SYDNEY) == "—"
    assert clinic_time("soon", SYDNEY) == "soon"  # not a date: shown as it is, never an error
    assert clinic_time(moment, "Australia/Perth") == "1 Dec 2026, 1:05 pm"  # no daylight time


def test_the_filter_uses_the_zone_of_the_page_settings() -> None:
    template = TEMPLATES.env.from_string('{{ at|when }} · {{ at|when("date") }}')
    at = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    sydney = Settings(timezone=SYDNEY)
    assert template.render(settings=sydney, at=at) == "2 Dec 2026, 1:30 am · 2 Dec 2026"
    perth = Settings(timezone="Australia/Perth")
    assert template.render(settings=perth, at=at) == "1 Dec 2026, 10:30 pm · 1 Dec 2026"
