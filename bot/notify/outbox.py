"""The outbox: every notification is a row first, sent after, retried until it goes.

A call-back request and its notifications are written in one transaction
(`bot.callbacks.intake`), so a request is never stored without them; a sender (a thread
in each server) takes due rows, sends them and marks them sent, or schedules the next
try with exponential back-off. An SMTP
or webhook outage therefore delays a notification and loses nothing, and the patient's
request never waits on it. A row is claimed before it is sent (its next try moved past
the send timeout in a conditional update), so two servers never send the same one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from bot.log.database import Base, Database, UTCDateTime, utcnow
from bot.notify.errors import SendError
from bot.notify.mail import MailServer, send_mail
from bot.notify.webhook import post_webhook
from bot.settings import Settings

log = logging.getLogger("bot.notify")

FIRST_RETRY_SECONDS = 15
MAX_RETRY_SECONDS = 3600
CLAIM_SECONDS = 120  # longer than a send can take (two 10 s timeouts and some)


class Notification(Base):
    """One message to send on one channel ("email" or "webhook")."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Health:
    status: str  # "ok", "degraded" (sends failing) or "off" (no channel set up)
    pending: int


def backoff(attempts: int) -> timedelta:
    """The wait before try number `attempts + 1`: 15 s, 30 s, 1 min, … at most an hour."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


class Outbox:
    """Queues notifications of call-back requests and sends them."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        url = settings.smtp_url.get_secret_value()
        self.mail = MailServer.parse(url) if url and settings.notify_emails else None
        self.webhook = settings.webhook_url or None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def channels(self) -> list[str]:
        return (["email"] if self.mail else []) + (["webhook"] if self.webhook else [])

    def enqueue(self, session: Any, subject: str, payload: dict[str, Any]) -> None:
        """Queue `payload` on every channel set up, in the caller's transaction (the
        e-mail lists its fields under `subject`; the webhook posts it as JSON)."""
        now = utcnow()
        for channel in self.channels:
            session.add(
                Notification(channel=channel, payload={"subject": subject, "body": payload},
                             created_at=now, next_at=now, attempts=0, last_error="")
            )  # fmt: skip

    def forget(self, request_ids: list[str]) -> int:
        """Delete the notifications about these call-back requests (an erasure: with
        BOT_NOTIFY_INCLUDE_DETAILS they hold the patient's details until sent)."""
        if not request_ids:
            return 0
        wanted = set(request_ids)
        with self.db.session(write=True) as session:
            rows = list(session.scalars(select(Notification)))
            doomed = [n.id for n in rows if n.payload.get("body", {}).get("request_id") in wanted]
            if doomed:
                session.execute(delete(Notification).where(Notification.id.in_(doomed)))
        return len(doomed)

    def wake(self) -> None:
        """Send now rather than at the next poll (a request was just queued)."""
        self._wake.set()

    def _claim(self, now: datetime) -> list[Notification]:
        with self.db.session(write=True) as session:
            due = list(
                session.scalars(
                    select(Notification)
                    .where(Notification.sent_at.is_(None), Notification.next_at <= now)
                    .order_by(Notification.id)
                    .limit(20)
                )
            )
            claimed = []
            for n in due:
                taken = session.execute(
                    update(Notification)
                    .where(Notification.id == n.id, Notification.next_at == n.next_at)
                    .values(next_at=now + timedelta(seconds=CLAIM_SECONDS))
                )
                if getattr(taken, "rowcount", 0) == 1:
                    claimed.append(n)
            return claimed

    def _send(self, n: Notification) -> None:
        subject, payload = n.payload["subject"], n.payload["body"]
        if n.channel == "email":
            if self.mail is None:
                raise SendError("e-mail is no longer set up (BOT_SMTP_URL, BOT_NOTIFY_EMAILS)")
            lines = [f"{k.replace('_', ' ')}: {v}" for k, v in payload.items()]
            body = subject + "\n\n" + "\n".join(lines) + "\n"
            send_mail(self.mail, self.settings.mail_from, self.settings.notify_emails,
                      subject, body)  # fmt: skip
        elif n.channel == "webhook":
            if self.webhook is None:
                raise SendError("the webhook is no longer set up (BOT_WEBHOOK_URL)")
            post_webhook(self.webhook, payload, self.settings.webhook_secret.get_secret_value())
        else:
            raise SendError(f"unknown channel {n.channel!r}")

    def deliver(self, now: datetime | None = None) -> int:
        """Send what is due; how many were sent. Failures are rescheduled, never raised."""
        now = now or utcnow()
        sent = 0
        for n in self._claim(now):
            try:
                self._send(n)
            except SendError as exc:
                attempts = n.attempts + 1
                log.warning("notification %s (%s) failed, try %s: %s", n.id, n.channel,
                            attempts, exc)  # fmt: skip
                values: dict[str, Any] = {
                    "attempts": attempts,
                    "last_error": str(exc)[:500],
                    "next_at": utcnow() + backoff(attempts),
                }
            else:
                sent += 1
                values = {"attempts": n.attempts + 1, "sent_at": utcnow(), "last_error": ""}
            with self.db.session(write=True) as session:
                session.execute(
                    update(Notification).where(Notification.id == n.id).values(**values)
                )
        return sent

    def health(self) -> Health:
        """Whether sends are failing: "degraded" while a notification waits after a failed
        try, "off" when no e-mail or webhook is set up."""
        if not self.channels:
            return Health("off", 0)
        with self.db.session() as session:
            pending = select(func.count()).where(Notification.sent_at.is_(None))
            waiting = int(session.scalar(pending) or 0)
            failing = int(session.scalar(pending.where(Notification.attempts > 0)) or 0)
        return Health("degraded" if failing else "ok", waiting)

    def start(self, poll_seconds: float = 5.0, maintenance: Any = None) -> None:
        """Send in a background thread: when woken, and every `poll_seconds`."""

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.deliver()
                    if maintenance is not None:
                        maintenance()
                except (SQLAlchemyError, OSError) as exc:
                    log.warning("outbox: %s", exc)
                self._wake.wait(poll_seconds)
                self._wake.clear()

        self._thread = threading.Thread(target=run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
