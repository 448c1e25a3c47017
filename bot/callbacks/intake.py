"""Taking a call-back request: check what the patient wrote, store it, tell the clinic.

The API and the no-JavaScript page both call `Intake.submit`, so a request is checked
the same way wherever it comes from. A problem is reported per field, in words a
patient can act on. The request and its notifications are written in one
transaction; sending happens later, in the outbox's thread, so a mail server that is
down never fails or slows the patient's request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.callbacks.hours import OpeningHours, Slot
from bot.callbacks.store import CallbackRequest, Callbacks, Contact
from bot.log.database import Database
from bot.notify.outbox import Outbox
from bot.settings import Settings

MAX_NAME = 100
MAX_EMAIL = 254
MAX_PHONE = 40
MAX_MESSAGE = 1000


class IntakeError(ValueError):
    """What is wrong with a request, field by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Submission:
    """A request as the patient sent it."""

    conversation_id: str
    name: str
    phone: str
    email: str
    preferred_time: str
    message: str
    consent: bool


def normal_phone(text: str, region: str = "AU") -> str:
    """The number in E.164 form ("+61 2 9999 9999" → "+61299999999"); a local number is
    read as Australian, one starting with + or 00 as international. ValueError if it
    cannot be a real number."""
    cleaned = text.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("Enter a phone number, e.g. 0412 345 678 or +44 20 7946 0958.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("That phone number is not complete or not valid.")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normal_email(text: str) -> str:
    """The address, checked for form only (no DNS look-up: no network on many sites)."""
    try:
        found = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"That e-mail address is not valid: {exc}") from exc
    return str(found.normalized)


def check(sub: Submission, hours: OpeningHours, at: datetime) -> tuple[Contact, Slot]:
    """The request's contact and chosen time, or IntakeError naming every problem."""
    problems: dict[str, str] = {}
    name = " ".join(sub.name.split())
    if not name:
        problems["name"] = "Enter your name."
    elif len(name) > MAX_NAME:
        problems["name"] = f"Your name can have up to {MAX_NAME} characters."
    contact = {"phone": "", "email": ""}
    for field, given, limit, normal, long in (
        ("phone", sub.phone, MAX_PHONE, normal_phone, "That phone number is too long."),
        ("email", sub.email, MAX_EMAIL, normal_email, "That e-mail address is too long."),
    ):
        if not given.strip():
            continue
        try:
            if len(given) > limit:
                raise ValueError(long)
            contact[field] = normal(given)
        except ValueError as exc:
            problems[field] = str(exc)
    if not sub.phone.strip() and not sub.email.strip():
        problems["phone"] = "Enter a phone number or an e-mail address, so we can reach you."
    message = sub.message.strip()
    if not message:
        problems["message"] = "Tell us briefly what you would like to ask."
    elif len(message) > MAX_MESSAGE:
        problems["message"] = f"Your question can have up to {MAX_MESSAGE} characters."
    slot = next((c for c in hours.choices(at) if c.value == sub.preferred_time), None)
    if slot is None and hours.is_choice(sub.preferred_time, at):
        slot = Slot(sub.preferred_time, sub.preferred_time)  # offered a little earlier
    if slot is None:
        problems["preferred_time"] = "Choose when we should call you."
    if not sub.consent:
        problems["consent"] = "Tick the box to let us keep your details to call you back."
    if problems or slot is None:
        raise IntakeError(problems)
    return Contact(name, contact["phone"], contact["email"], message), slot


class Intake:
    """Checks, stores and announces call-back requests."""

    def __init__(self, db: Database, settings: Settings, outbox: Outbox) -> None:
        self.db = db
        self.settings = settings
        self.callbacks = Callbacks(db, settings)
        self.outbox = outbox
        self.hours = OpeningHours.from_settings(settings)

    def submit(self, sub: Submission, at: datetime) -> CallbackRequest:
        """Store a checked request with its notifications; IntakeError if it is not valid."""
        contact, slot = check(sub, self.hours, at)
        with self.db.session(write=True) as session:
            row = self.callbacks.create(
                sub.conversation_id[:64], contact, slot.value, slot.label[:120], session
            )
            self.outbox.enqueue(session, f"Call-back request {row.request_id}",
                                self.notice(row, contact))  # fmt: skip
        self.outbox.wake()
        return row

    def notice(self, row: CallbackRequest, contact: Contact) -> dict[str, str]:
        """What staff are told: the request's id, times and link; the patient's details
        only when the clinic chose so (BOT_NOTIFY_INCLUDE_DETAILS: a privacy risk)."""
        link = f"{self.settings.public_url.rstrip('/')}/staff/callbacks/{row.request_id}"
        local = row.created_at.astimezone(ZoneInfo(self.settings.timezone)).strftime(
            "%a %d %b %Y %H:%M"
        )
        notice = {
            "request_id": row.request_id,
            "received": local,
            "preferred_time": row.preferred_label,
            "link": link,
        }
        if self.settings.notify_include_details:
            notice |= {
                "name": contact.name,
                "phone": contact.phone,
                "email": contact.email,
                "message": contact.message,
            }
        return notice
