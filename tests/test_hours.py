"""Opening hours: parsing the settings, open or closed at an instant, and the call-back form's
times, on the real Australia/Sydney zone (clock changes on 5 April and 4 October 2026)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.callbacks.hours import HoursError, OpeningHours, Slot, Status
from bot.settings import Settings

SYDNEY = ZoneInfo("Australia/Sydney")
CLINIC = "Mon-Fri 08:30-17:30; Sat 09:00-12:00"
KINGS_BIRTHDAY = "2026-06-08"  # a Monday


def at(day: str, clock: str) -> datetime:
    """A Sydney wall-clock instant, e.g. at("2026-06-01", "08:30")."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SYDNEY)


def hours(spec: str = CLINIC, holidays: tuple[str, ...] = ()) -> OpeningHours:
    return OpeningHours.parse(spec, list(holidays), "Australia/Sydney")


# Parsing


def test_parse_reads_ranges_single_days_and_closed_days() -> None:
    week = hours().week
    assert week[:5] == (((510, 1050),),) * 5
    assert week[5] == ((540, 720),)
    assert week[6] == ()


def test_day_names_are_case_insensitive_abbreviations_or_full_names() -> None:
    week = hours("monday,WED,Friday 09:00-12:00").week
    assert [bool(spans) for spans in week] == [True, False, True, False, True, False, False]


def test_a_range_may_wrap_past_sunday() -> None:
    assert [bool(s) for s in hours("Fri-Mon 10:00-14:00").week] == [1, 0, 0, 0, 1, 1, 1]
    assert [bool(s) for s in hours("Sat-Sun 10:00-14:00").week] == [0, 0, 0, 0, 0, 1, 1]


def test_several_periods_a_day_and_spaces_around_separators() -> None:
    week = hours("Mon , Tue - Wed  09:00 - 12:00, 13:00-17:00").week
    assert week[0] == week[1] == week[2] == ((540, 720), (780, 1020))
    assert week[3] == ()


def test_overlapping_and_touching_entries_for_a_day_are_merged() -> None:
    week = hours("Mon-Fri 09:00-13:00; Mon 12:00-17:00; Tue 13:00-15:00; Wed 10:00-11:00").week
    assert week[0] == ((540, 1020),)
    assert week[1] == ((540, 900),)
    assert week[2] == ((540, 780),)


def test_an_empty_spec_is_never_open() -> None:
    never = hours(" ")
    assert never.week == ((),) * 7
    assert never.is_open(at("2026-06-01", "10:00")) is False
    assert never.next_opening(at("2026-06-01", "10:00")) is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("Mon-Fry 09:00-17:00", "'Mon-Fry 09:00-17:00': unknown day 'Fry'"),
        ("Mon-Fri", "'Mon-Fri': expected days then times, e.g. 'Mon-Fri 09:00-17:00'"),
        ("09:00-17:00", "'09:00-17:00': expected days then times, e.g. 'Mon-Fri 09:00-17:00'"),
        ("Mon 09:00", "'Mon 09:00': '09:00' is not a time range HH:MM-HH:MM"),
        ("Mon 9am-5pm", "'Mon 9am-5pm': '9am' is not a time from 00:00 to 24:00"),
        ("Mon 09:00-24:30", "'Mon 09:00-24:30': '24:30' is not a time from 00:00 to 24:00"),
        ("Mon 09:60-10:00", "'Mon 09:60-10:00': '09:60' is not a time from 00:00 to 24:00"),
        ("Mon 17:00-09:00", "'Mon 17:00-09:00': '17:00-09:00' must end after it starts"),
        ("Mon 09:00-09:00", "'Mon 09:00-09:00': '09:00-09:00' must end after it starts"),
        ("Mon- 09:00-10:00", "'Mon- 09:00-10:00': a day is missing"),
        (
            "Mon-Wed-Fri 09:00-10:00",
            "'Mon-Wed-Fri 09:00-10:00': 'Mon-Wed-Fri' is not a day or a range of days",
        ),
        (
            "Mon-Fri 09:00-17:00; Sat 9:00-25:00",
            "'Sat 9:00-25:00': '25:00' is not a time from 00:00 to 24:00",
        ),
    ],
)
def test_a_bad_spec_names_the_entry_and_the_bad_part(spec: str, message: str) -> None:
    with pytest.raises(HoursError) as raised:
        hours(spec)
    assert str(raised.value) == f"BOT_OPENING_HOURS: {message}"
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("bad", ["2026-02-30", "25/12/2026", "20261225", "Christmas"])
def test_a_bad_holiday_is_refused_by_name(bad: str) -> None:
    with pytest.raises(HoursError) as raised:
        hours(holidays=("2026-12-25", bad))
    assert str(raised.value) == f"BOT_HOLIDAYS: '{bad}' is not a date (YYYY-MM-DD)"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Australia"])
def test_an_unknown_time_zone_is_refused_by_name(zone: str) -> None:
    with pytest.raises(HoursError) as raised:
        OpeningHours.parse(CLINIC, [], zone)
    assert str(raised.value) == f"BOT_TIMEZONE: unknown time zone '{zone}'"


def test_from_settings_reads_the_bot_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_OPENING_HOURS", "Sat 10:00-11:00")
    monkeypatch.setenv("BOT_HOLIDAYS", "2026-12-25, 2026-12-26")
    monkeypatch.setenv("BOT_TIMEZONE", "Europe/London")
    read = OpeningHours.from_settings(Settings())
    assert read.week[5] == ((600, 660),)
    assert read.holidays == {date(2026, 12, 25), date(2026, 12, 26)}
    assert read.zone.key == "Europe/London"


# Open or closed


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("2026-06-01", "08:29:59", False),
        ("2026-06-01", "08:30", True),
        ("2026-06-01", "17:29:59.999999", True),
        ("2026-06-01", "17:30", False),
        ("2026-06-06", "11:59", True),
        ("2026-06-06", "12:00", False),
        ("2026-06-07", "10:00", False),
    ],
)
def test_start_is_inclusive_and_end_exclusive(day: str, clock: str, expected: bool) -> None:
    assert hours().is_open(at(day, clock)) is expected


def test_an_instant_in_another_zone_is_read_on_the_clinics_clock() -> None:
    assert hours().is_open(datetime(2026, 5, 31, 22, 30, tzinfo=UTC)) is True  # Mon 08:30
    assert hours().is_open(datetime(2026, 5, 31, 22, 29, tzinfo=UTC)) is False


def test_a_holiday_is_closed_all_day() -> None:
    closed = hours(holidays=(KINGS_BIRTHDAY,))
    assert closed.is_open(at("2026-06-08", "10:00")) is False
    assert closed.is_open(at("2026-06-09", "10:00")) is True


def test_24_00_runs_to_midnight_and_joins_the_next_day() -> None:
    night = hours("Sun 18:00-24:00; Mon 00:00-06:00")
    assert night.is_open(at("2026-06-07", "23:59:59")) is True
    assert night.is_open(at("2026-06-08", "00:00")) is True
    assert night.is_open(at("2026-06-08", "06:00")) is False
    assert night.next_opening(at("2026-06-07", "12:00")) == at("2026-06-07", "18:00")


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        hours().is_open(datetime(2026, 6, 1, 10, 0))


# Clock changes in Sydney: 5 April 2026 03:00 AEDT -> 02:00 AEST; 4 October 02:00 -> 03:00.


def test_opening_after_daylight_saving_ends_uses_standard_time() -> None:
    weekdays = hours("Mon-Fri 09:00-17:00")
    assert weekdays.is_open(datetime(2026, 4, 2, 22, 0, tzinfo=UTC)) is True  # Fri 09:00 +11
    assert weekdays.is_open(datetime(2026, 4, 5, 22, 59, tzinfo=UTC)) is False  # Mon 08:59 +10
    assert weekdays.is_open(datetime(2026, 4, 5, 23, 0, tzinfo=UTC)) is True  # Mon 09:00 +10
    opening = weekdays.next_opening(at("2026-04-04", "12:00"))
    assert opening == datetime(2026, 4, 5, 23, 0, tzinfo=UTC)
    assert opening is not None and opening.isoformat() == "2026-04-06T09:00:00+10:00"


def test_opening_after_daylight_saving_starts_uses_summer_time() -> None:
    opening = hours("Mon-Fri 09:00-17:00").next_opening(at("2026-10-03", "12:00"))
    assert opening == datetime(2026, 10, 4, 22, 0, tzinfo=UTC)
    assert opening is not None and opening.isoformat() == "2026-10-05T09:00:00+11:00"


def test_a_whole_day_lasts_25_hours_when_the_clocks_go_back() -> None:
    sunday = hours("Sun 00:00-24:00")
    assert sunday.is_open(datetime(2026, 4, 4, 13, 0, tzinfo=UTC)) is True  # 00:00 +11
    assert sunday.is_open(datetime(2026, 4, 5, 13, 59, tzinfo=UTC)) is True  # 23:59 +10
    assert sunday.is_open(datetime(2026, 4, 5, 14, 0, tzinfo=UTC)) is False  # Monday
    assert sunday.is_open(datetime(2026, 4, 4, 12, 59, tzinfo=UTC)) is False  # Saturday


def test_a_period_ending_in_the_repeated_hour_ends_at_its_first_reading() -> None:
    early = hours("Sun 01:00-02:30")
    assert early.is_open(datetime(2026, 4, 4, 15, 29, tzinfo=UTC)) is True  # 02:29 +11
    assert early.is_open(datetime(2026, 4, 4, 15, 30, tzinfo=UTC)) is False  # 02:30 +11
    assert early.is_open(datetime(2026, 4, 4, 16, 15, tzinfo=UTC)) is False  # 02:15 +10


def test_a_start_in_the_skipped_hour_opens_when_the_clocks_jump() -> None:
    early = hours("Sun 02:30-04:00")
    opening = early.next_opening(at("2026-10-03", "12:00"))
    assert opening == datetime(2026, 10, 3, 16, 0, tzinfo=UTC)
    assert opening is not None and opening.isoformat() == "2026-10-04T03:00:00+11:00"
    assert early.is_open(datetime(2026, 10, 3, 15, 59, tzinfo=UTC)) is False  # 01:59 +10


def test_a_period_wholly_inside_the_skipped_hour_is_skipped() -> None:
    opening = hours("Sun 02:15-02:45").next_opening(at("2026-10-03", "12:00"))
    assert opening == at("2026-10-11", "02:15")


# Next opening


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (("2026-06-05", "17:30"), ("2026-06-06", "09:00")),  # Friday close -> Saturday
        (("2026-06-06", "12:00"), ("2026-06-08", "08:30")),  # across the weekend
        (("2026-06-07", "23:59"), ("2026-06-08", "08:30")),
        (("2026-06-01", "06:00"), ("2026-06-01", "08:30")),  # later today
        (("2026-06-01", "17:30"), ("2026-06-02", "08:30")),  # strictly after a close
    ],
)
def test_next_opening_when_closed(now: tuple[str, str], expected: tuple[str, str]) -> None:
    assert hours().next_opening(at(*now)) == at(*expected)


def test_next_opening_skips_a_holiday_after_the_weekend() -> None:
    opening = hours(holidays=(KINGS_BIRTHDAY,)).next_opening(at("2026-06-06", "12:00"))
    assert opening == at("2026-06-09", "08:30")


def test_next_opening_while_open_is_the_instant_itself() -> None:
    now = at("2026-06-01", "10:00")
    assert hours().next_opening(now) is now


def test_next_opening_looks_ahead_a_year_at_most() -> None:
    mondays = tuple((date(2026, 6, 1) + timedelta(weeks=w)).isoformat() for w in range(53))
    assert hours("Mon 09:00-10:00", mondays).next_opening(at("2026-05-31", "12:00")) is None
    one_left = hours("Mon 09:00-10:00", mondays[:-1])
    assert one_left.next_opening(at("2026-05-31", "12:00")) == at("2027-05-31", "09:00")


# Status


def test_status_when_open() -> None:
    now = at("2026-06-01", "10:00")
    assert hours().status(now) == Status(
        open=True, next_opening=now, message="We're open — we usually call back within an hour."
    )


@pytest.mark.parametrize(
    ("spec", "now", "message"),
    [
        (CLINIC, ("2026-06-01", "07:00"), "We're closed — we'll call you from today at 8:30."),
        (CLINIC, ("2026-06-01", "18:00"), "We're closed — we'll call you from tomorrow at 8:30."),
        (CLINIC, ("2026-06-05", "18:00"), "We're closed — we'll call you from tomorrow at 9:00."),
        (CLINIC, ("2026-06-06", "12:30"), "We're closed — we'll call you from Monday 8:30."),
        (
            "Thu 13:00-17:00",
            ("2026-06-01", "09:00"),
            "We're closed — we'll call you from Thursday 13:00.",
        ),
    ],
)
def test_status_when_closed_says_when_we_call(
    spec: str, now: tuple[str, str], message: str
) -> None:
    status = hours(spec).status(at(*now))
    assert status.open is False
    assert status.message == message


def test_status_names_an_afternoon_opening_with_its_hour() -> None:
    status = hours("Mon 13:00-17:00").status(at("2026-06-01", "09:00"))
    assert status.message == "We're closed — we'll call you from today at 13:00."
    assert status.next_opening == at("2026-06-01", "13:00")


def test_status_gives_the_date_when_the_opening_is_a_week_or_more_away() -> None:
    weekdays = [date(2026, 12, 21) + timedelta(days=d) for d in range(12)]
    closure = tuple(d.isoformat() for d in weekdays if d.weekday() < 5)
    status = hours("Mon-Fri 08:30-17:30", closure).status(at("2026-12-18", "18:00"))
    assert status.message == "We're closed — we'll call you from Monday 4 Jan 8:30."
    assert status.next_opening == at("2027-01-04", "08:30")


def test_status_when_never_open() -> None:
    assert hours("").status(at("2026-06-01", "10:00")) == Status(
        open=False, next_opening=None, message="We'll call you as soon as we can."
    )


# Choices for the call-back form


def test_choices_start_with_asap_then_half_days_from_now() -> None:
    assert hours().choices(at("2026-06-01", "14:00")) == [
        Slot("asap", "As soon as possible"),
        Slot("2026-06-01T12:00/17:30", "Today, afternoon (12:00–17:30)"),
        Slot("2026-06-02T08:30/12:00", "Tomorrow, morning (8:30–12:00)"),
        Slot("2026-06-02T12:00/17:30", "Tomorrow, afternoon (12:00–17:30)"),
        Slot("2026-06-03T08:30/12:00", "Wednesday 3 Jun, morning (8:30–12:00)"),
        Slot("2026-06-03T12:00/17:30", "Wednesday 3 Jun, afternoon (12:00–17:30)"),
        Slot("2026-06-04T08:30/12:00", "Thursday 4 Jun, morning (8:30–12:00)"),
    ]


def test_choices_skip_a_half_day_once_it_is_over() -> None:
    values = [s.value for s in hours().choices(at("2026-06-01", "11:59"), count=2)]
    assert values == ["asap", "2026-06-01T08:30/12:00", "2026-06-01T12:00/17:30"]
    values = [s.value for s in hours().choices(at("2026-06-01", "12:00"), count=2)]
    assert values == ["asap", "2026-06-01T12:00/17:30", "2026-06-02T08:30/12:00"]
    values = [s.value for s in hours().choices(at("2026-06-01", "17:30"), count=1)]
    assert values == ["asap", "2026-06-02T08:30/12:00"]


def test_choices_skip_closed_days_and_holidays() -> None:
    labels = [s.label for s in hours(holidays=(KINGS_BIRTHDAY,)).choices(at("2026-06-05", "13:00"))]
    assert labels == [
        "As soon as possible",
        "Today, afternoon (12:00–17:30)",
        "Tomorrow, morning (9:00–12:00)",
        "Tuesday 9 Jun, morning (8:30–12:00)",
        "Tuesday 9 Jun, afternoon (12:00–17:30)",
        "Wednesday 10 Jun, morning (8:30–12:00)",
        "Wednesday 10 Jun, afternoon (12:00–17:30)",
    ]


def test_choices_follow_the_hours_of_each_half_day() -> None:
    split = hours("Mon 07:00-10:00,11:00-12:30,14:00-16:00; Tue 13:00-18:00")
    assert split.choices(at("2026-06-01", "06:00"), count=3) == [
        Slot("asap", "As soon as possible"),
        Slot("2026-06-01T07:00/12:00", "Today, morning (7:00–12:00)"),
        Slot("2026-06-01T12:00/16:00", "Today, afternoon (12:00–16:00)"),
        Slot("2026-06-02T13:00/18:00", "Tomorrow, afternoon (13:00–18:00)"),
    ]


def test_choices_are_in_the_clinics_local_time_whatever_zone_at_is_in() -> None:
    slots = hours().choices(datetime(2026, 5, 31, 23, 0, tzinfo=UTC), count=1)  # Mon 09:00
    assert slots[1] == Slot("2026-06-01T08:30/12:00", "Today, morning (8:30–12:00)")


def test_choices_count_and_never_open() -> None:
    assert hours().choices(at("2026-06-01", "10:00"), count=0) == [
        Slot("asap", "As soon as possible")
    ]
    assert len(hours().choices(at("2026-06-01", "10:00"), count=10)) == 11
    assert hours("").choices(at("2026-06-01", "10:00")) == [Slot("asap", "As soon as possible")]


def test_is_choice_accepts_a_value_offered_half_an_hour_ago() -> None:
    offered = hours().choices(at("2026-06-01", "11:45"))[1].value
    assert offered == "2026-06-01T08:30/12:00"
    assert hours().is_choice(offered, at("2026-06-01", "12:15")) is True
    assert hours().is_choice(offered, at("2026-06-01", "12:59")) is True
    assert hours().is_choice(offered, at("2026-06-01", "13:00")) is False


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ASAP",
        "tomorrow",
        "2026-06-02T08:30/13:00",  # not a span we offer
        "2026-06-07T09:00/12:00",  # a Sunday
        "2026-06-08T08:30/12:00",  # the holiday
        "2026-06-19T08:30/12:00",  # real hours, but further ahead than the form offers
        "2026-06-02T08:30/12:00; DROP TABLE",
    ],
)
def test_is_choice_refuses_anything_not_offered(value: str) -> None:
    clinic = hours(holidays=(KINGS_BIRTHDAY,))
    assert clinic.is_choice(value, at("2026-06-01", "14:00")) is False


def test_is_choice_accepts_asap_and_each_offered_value() -> None:
    now = at("2026-06-01", "14:00")
    assert all(hours().is_choice(slot.value, now) for slot in hours().choices(now))
    assert hours("").is_choice("asap", now) is True
