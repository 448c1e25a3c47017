"""Times on the staff and content pages: in the clinic's time zone (`BOT_TIMEZONE`), written
the Australian way, "1 Dec 2026, 4:05 pm".

One function, `clinic_time`, and the Jinja filter `when` that calls it with the zone of the
page's settings, so every page shows a moment the same way:

    {{ question.at|when }}            1 Dec 2026, 4:05 pm
    {{ row.at|when("seconds") }}      1 Dec 2026, 4:05:09 pm
    {{ article.review_by|when("date") }}   1 Dec 2026
    {{ locked|when("time") }}         4:05 pm
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context

Style = Literal["datetime", "seconds", "date", "time"]
# Month names written out here, not by strftime: %b follows the server's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NONE = "—"


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _parse(value: str) -> datetime | date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def _clock(moment: datetime, seconds: bool) -> str:
    hour = moment.hour % 12 or 12
    tail = f":{moment.second:02d}" if seconds else ""
    return f"{hour}:{moment.minute:02d}{tail} {'am' if moment.hour < 12 else 'pm'}"


def clinic_time(
    value: datetime | date | str | None, zone: str | ZoneInfo, style: Style = "datetime"
) -> str:
    """A moment as staff read it: in `zone`, en-AU style ("1 Dec 2026, 4:05 pm").

    Naive datetimes are taken as UTC (what the database and the index manifests store);
    ISO strings are parsed first. A calendar date is shown as it is, with no zone to
    convert it by. None (or a string that is no date) gives a dash, or the string itself.

    Example: clinic_time(datetime(2026, 12, 1, 5, 5, tzinfo=UTC), "Australia/Sydney")
    gives "1 Dec 2026, 4:05 pm" (Sydney keeps daylight time, UTC+11, in December).
    """
    if isinstance(value, str):
        parsed = _parse(value.strip())
        if parsed is None:
            return value or NONE
        value = parsed
    if value is None:
        return NONE
    if not isinstance(value, datetime):
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    tz = _zone(zone) if isinstance(zone, str) else zone
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz)
    day = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    if style == "date":
        return day
    clock = _clock(moment, seconds=style == "seconds")
    return clock if style == "time" else f"{day}, {clock}"


@pass_context
def when(context: Context, value: datetime | date | str | None, style: Style = "datetime") -> str:
    """The Jinja filter: `clinic_time` in the zone of the page's `settings` (UTC without)."""
    settings: Any = context.get("settings")
    return clinic_time(value, getattr(settings, "timezone", "UTC"), style)
