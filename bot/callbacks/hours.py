"""When the clinic answers the phone, so a call-back request can say when to expect a call.

Pure: every answer is a function of the settings and the `at` it is given, never of the
clock, so the page, the form check and the tests all agree. Hours are clinic wall-clock
times in BOT_TIMEZONE; each day's periods become real instants through zoneinfo, so a
clock change moves the UTC instant, not the hour on the clinic's wall.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from bot.settings import Settings

Span = tuple[int, int]
"""Minutes since midnight, start inclusive and end exclusive; 1440 is 24:00."""

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = {name.lower(): i for i, name in enumerate(DAY_NAMES)} | {
    name[:3].lower(): i for i, name in enumerate(DAY_NAMES)
}
HORIZON_DAYS = 366
NOON = 12 * 60
GRACE = timedelta(hours=1)
"""How long a choice stays acceptable after it drops off the form: a form left open a while."""
EXAMPLE = "Mon-Fri 09:00-17:00"

OPEN_MESSAGE = "We're open — we usually call back within an hour."
NEVER_MESSAGE = "We'll call you as soon as we can."
ASAP = "asap"


class HoursError(ValueError):
    """A setting of the opening hours that cannot be read; the message names the bad part."""


@dataclass(frozen=True)
class Status:
    """Whether the clinic is open now, and the sentence telling a patient when we'll call."""

    open: bool
    next_opening: datetime | None
    message: str


@dataclass(frozen=True)
class Slot:
    """One preferred-time option of the call-back form: a stable value and what it shows."""

    value: str
    label: str


class _Period(NamedTuple):
    day: date
    start: int
    end: int
    opens: datetime  # UTC: aware datetimes sharing a tzinfo compare by wall time, not instant
    closes: datetime


@dataclass(frozen=True)
class OpeningHours:
    """The clinic's weekly hours (Monday first), its closed dates and its time zone."""

    week: tuple[tuple[Span, ...], ...]
    holidays: frozenset[date]
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, holidays: list[str], timezone: str) -> OpeningHours:
        """Read `Mon-Fri 08:30-17:30; Sat 09:00-12:00`; an empty spec is never open.

        Example: OpeningHours.parse("Mon,Wed 09:00-12:00,13:00-17:00", [], "Australia/Sydney")
        """
        days: list[list[Span]] = [[] for _ in DAY_NAMES]
        for entry in (part.strip() for part in spec.split(";")):
            if entry:
                names, spans = _parse_entry(entry)
                for i in names:
                    days[i].extend(spans)
        return cls(
            week=tuple(_merge(spans) for spans in days),
            holidays=frozenset(_parse_date(d) for d in holidays if d.strip()),
            zone=_parse_zone(timezone),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpeningHours:
        """The hours BOT_OPENING_HOURS, BOT_HOLIDAYS and BOT_TIMEZONE describe."""
        return cls.parse(settings.opening_hours, settings.holidays, settings.timezone)

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls in an open period (start inclusive, end exclusive)."""
        moment = _utc(at)
        day = moment.astimezone(self.zone).date()
        return any(p.opens <= moment < p.closes for p in self._periods(day, 0))

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` itself when open; else when the next period starts (None within a year)."""
        if self.is_open(at):
            return at
        moment = _utc(at)
        for period in self._periods(moment.astimezone(self.zone).date(), HORIZON_DAYS):
            if period.opens > moment:
                return period.opens.astimezone(self.zone)
        return None

    def status(self, at: datetime) -> Status:
        """Open or closed at `at`, with the sentence the call-back form shows."""
        if self.is_open(at):
            return Status(open=True, next_opening=at, message=OPEN_MESSAGE)
        opening = self.next_opening(at)
        if opening is None:
            return Status(open=False, next_opening=None, message=NEVER_MESSAGE)
        when = self._when(at, opening)
        return Status(open=False, next_opening=opening, message=f"We're closed — {when}.")

    def choices(self, at: datetime, count: int = 6) -> list[Slot]:
        """Offer "As soon as possible", then up to `count` mornings and afternoons not yet over.

        A value names the clinic's local date and span, e.g. `2026-12-08T08:30/12:00`, so the
        same half-day keeps the same value however long the form stays open.
        """
        moment = _utc(at)
        today = moment.astimezone(self.zone).date()
        slots = [Slot(ASAP, "As soon as possible")]
        for offset in range(HORIZON_DAYS + 1):
            day = today + timedelta(days=offset)
            for half, (start, end) in self._halves(day):
                if len(slots) > count:
                    return slots
                if self._instant(day, end) > moment:
                    value = f"{day.isoformat()}T{_hhmm(start)}/{_hhmm(end)}"
                    label = f"{_day_label(day, today)}, {half} ({_clock(start)}–{_clock(end)})"
                    slots.append(Slot(value, label))
        return slots

    def is_choice(self, value: str, at: datetime, count: int = 6) -> bool:
        """Whether a posted preferred time is one the form offered at `at` or an hour before."""
        if value == ASAP:
            return True
        offered = self.choices(at, count) + self.choices(at - GRACE, count)
        return any(slot.value == value for slot in offered)

    def _periods(self, first: date, days: int) -> Iterator[_Period]:
        """Open periods as instants, day by day from the day before `first` (which may
        reach 24:00) through `days` days after it."""
        for offset in range(-1, days + 1):
            day = first + timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, end in self.week[day.weekday()]:
                opens, closes = self._instant(day, start), self._instant(day, end)
                if opens < closes:  # a period wholly inside a skipped hour never happens
                    yield _Period(day, start, end, opens, closes)

    def _halves(self, day: date) -> Iterator[tuple[str, Span]]:
        """The day's morning and afternoon (split at noon) from first opening to last close."""
        if day in self.holidays:
            return
        for half, lo, hi in (("morning", 0, NOON), ("afternoon", NOON, 24 * 60)):
            pieces = [(max(s, lo), min(e, hi)) for s, e in self.week[day.weekday()]]
            pieces = [(s, e) for s, e in pieces if s < e]
            if pieces and self._instant(day, pieces[0][0]) < self._instant(day, pieces[-1][1]):
                yield half, (pieces[0][0], pieces[-1][1])

    def _instant(self, day: date, minute: int) -> datetime:
        """The first instant (UTC) the clinic's clock reads `minute` or later on `day`.

        In a repeated hour that is the first reading; in a skipped hour it is the change
        itself, when the clock jumps past it.
        """
        if minute >= 24 * 60:
            return self._instant(day + timedelta(days=1), minute - 24 * 60)
        wall = datetime.combine(day, time(minute // 60, minute % 60))
        first = wall.replace(tzinfo=self.zone)
        if first.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) == wall:
            return first.astimezone(UTC)
        # Skipped: bisect between the two readings for the second the offset changes.
        ends = sorted(int(wall.replace(tzinfo=self.zone, fold=f).timestamp()) for f in (0, 1))
        lo, hi = ends
        before = datetime.fromtimestamp(lo, self.zone).utcoffset()
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self.zone).utcoffset() == before:
                lo = mid
            else:
                hi = mid
        return datetime.fromtimestamp(hi, UTC)

    def _when(self, at: datetime, opening: datetime) -> str:
        """'we'll call you from today at 8:30', '… tomorrow at 8:30' or '… Monday 8:30'."""
        today = _utc(at).astimezone(self.zone).date()
        day, clock = opening.date(), _clock(opening.hour * 60 + opening.minute)
        if day == today:
            return f"we'll call you from today at {clock}"
        if day == today + timedelta(days=1):
            return f"we'll call you from tomorrow at {clock}"
        name = DAY_NAMES[day.weekday()]
        if day >= today + timedelta(days=7):  # "Monday" alone would mean the nearer one
            name = f"{name} {day.day} {MONTHS[day.month - 1]}"
        return f"we'll call you from {name} {clock}"


def _parse_entry(entry: str) -> tuple[list[int], list[Span]]:
    """One `DAYS HH:MM-HH:MM[,HH:MM-HH:MM]` entry: the weekdays and spans it names."""
    digit = re.search(r"\d", entry)
    if digit is None or not entry[: digit.start()].strip():
        raise _spec_error(entry, f"expected days then times, e.g. '{EXAMPLE}'")
    days_part, times_part = entry[: digit.start()], entry[digit.start() :]
    days: list[int] = []
    for item in (part.strip() for part in days_part.split(",")):
        ends = [_day(entry, name.strip()) for name in item.split("-")]
        if len(ends) == 1:
            days.append(ends[0])
        elif len(ends) == 2:  # a range may wrap past Sunday: Fri-Mon
            days.extend((ends[0] + i) % 7 for i in range((ends[1] - ends[0]) % 7 + 1))
        else:
            raise _spec_error(entry, f"'{item}' is not a day or a range of days")
    return days, [_span(entry, part.strip()) for part in times_part.split(",")]


def _day(entry: str, name: str) -> int:
    if not name:
        raise _spec_error(entry, "a day is missing")
    if name.lower() not in _DAYS:
        raise _spec_error(entry, f"unknown day '{name}'")
    return _DAYS[name.lower()]


def _span(entry: str, text: str) -> Span:
    match = re.fullmatch(r"(\S+?)\s*[-–]\s*(\S+)", text)
    if match is None:
        raise _spec_error(entry, f"'{text}' is not a time range HH:MM-HH:MM")
    start, end = _minute(entry, match[1]), _minute(entry, match[2])
    if start >= end:
        raise _spec_error(entry, f"'{text}' must end after it starts")
    return start, end


def _minute(entry: str, text: str) -> int:
    match = re.fullmatch(r"(\d{1,2}):(\d\d)", text)
    minute = int(match[1]) * 60 + int(match[2]) if match else -1
    if match is None or int(match[2]) > 59 or not 0 <= minute <= 24 * 60:
        raise _spec_error(entry, f"'{text}' is not a time from 00:00 to 24:00")
    return minute


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    """Sorted spans with overlapping and touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _parse_date(text: str) -> date:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # 2026-02-30: the right shape, not a day
    raise HoursError(f"BOT_HOLIDAYS: '{text}' is not a date (YYYY-MM-DD)")


def _parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise HoursError(f"BOT_TIMEZONE: unknown time zone '{name}'") from None


def _spec_error(entry: str, problem: str) -> HoursError:
    return HoursError(f"BOT_OPENING_HOURS: '{entry}': {problem}")


def _utc(at: datetime) -> datetime:
    """`at` as UTC, refusing a naive datetime (it would mean the server's zone, not ours)."""
    if at.utcoffset() is None:
        raise ValueError(f"opening hours need an aware datetime, got {at.isoformat()}")
    return at.astimezone(UTC)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _clock(minute: int) -> str:
    """8:30, 13:00: the hour without a leading zero, as people write it."""
    return f"{minute // 60}:{minute % 60:02d}"


def _day_label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today + timedelta(days=1):
        return "Tomorrow"
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
