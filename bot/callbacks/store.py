"""Call-back requests in their own table, their contact details and question encrypted.

A request is never copied into the query log: the log is redacted and kept for
months, a request holds a name and a phone number and is deleted
`BOT_CALLBACK_RETENTION_DAYS` after staff close it. What identifies the patient
(name, phone, e-mail) and what they wrote are sealed together with Fernet (AES-128-CBC
with an HMAC), under `BOT_CALLBACK_KEY` or, outside production, a key derived from the
session key. The status, who changed it and when are plain, so the inbox can filter.
"""

from __future__ import annotations

import base64
import builtins
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.log.database import Base, Database, UTCDateTime, utcnow
from bot.settings import Settings
from bot.staff.accounts import session_secret

STATUSES = ("new", "contacted", "booked", "closed")
CLOSED = ("booked", "closed")  # what the retention clock starts on
PAGE_SIZE = 50


class CallbackKeyError(RuntimeError):
    """No usable key to seal contact details with (production needs BOT_CALLBACK_KEY)."""


class CallbackRequest(Base):
    """One patient's request to be called back, as stored (contact sealed)."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(32), unique=True)  # what the patient gets
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    preferred_time: Mapped[str] = mapped_column(String(64))
    preferred_label: Mapped[str] = mapped_column(String(120))
    sealed: Mapped[str] = mapped_column(Text)  # Fernet token of name, phone, e-mail, message
    status: Mapped[str] = mapped_column(String(16), index=True, default="new")
    status_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(254), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")  # sealed too: staff write details
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Contact:
    """What the patient gave: at least a phone number or an e-mail address."""

    name: str
    phone: str
    email: str
    message: str


@dataclass(frozen=True)
class Request:
    """A request as the inbox shows it: the stored row with its contact opened."""

    row: CallbackRequest
    contact: Contact | None  # None when the key has changed since it was sealed
    notes: str


def fernet(settings: Settings) -> Fernet:
    """The sealing key: BOT_CALLBACK_KEY, or one derived from the session key (refused
    in production, where a key must be set on purpose and kept with the backups)."""
    given = settings.callback_key.get_secret_value()
    if given:
        try:
            return Fernet(given.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise CallbackKeyError(
                "BOT_CALLBACK_KEY is not a Fernet key (32 url-safe base64-encoded bytes; "
                "make one with `bot callbacks key`)"
            ) from exc
    if settings.production:
        raise CallbackKeyError(
            "refusing to start in production without BOT_CALLBACK_KEY (make one with "
            "`bot callbacks key`)"
        )
    derived = HKDF(hashes.SHA256(), 32, salt=None, info=b"bot callbacks").derive(
        session_secret(settings).encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class Callbacks:
    """Creates, lists, updates and purges call-back requests."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.retention = timedelta(days=settings.callback_retention_days)
        self._fernet = fernet(settings)

    def _seal(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data).encode()).decode("ascii")

    def _open(self, token: str) -> dict[str, Any] | None:
        if not token:
            return {}
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError):
            return None
        return opened

    def create(
        self,
        conversation_id: str,
        contact: Contact,
        preferred_time: str,
        preferred_label: str,
        session: Any = None,
    ) -> CallbackRequest:
        """Store a new request; with `session`, in the caller's transaction (so its
        notifications are queued with it or not at all)."""
        row = CallbackRequest(
            request_id=secrets.token_hex(8),
            conversation_id=conversation_id,
            created_at=utcnow(),
            preferred_time=preferred_time,
            preferred_label=preferred_label,
            sealed=self._seal(contact.__dict__),
            status="new",
            notes="",
            version=0,
        )
        if session is not None:
            session.add(row)
            session.flush()
            return row
        with self.db.session(write=True) as own:
            own.add(row)
        return row

    def get(self, request_id: str) -> Request | None:
        with self.db.session() as session:
            row = session.scalar(
                select(CallbackRequest).where(CallbackRequest.request_id == request_id)
            )
        return self._request(row) if row else None

    def _request(self, row: CallbackRequest) -> Request:
        data = self._open(row.sealed)
        contact = Contact(**data) if data else None
        notes = self._open(row.notes)
        return Request(row, contact, (notes or {}).get("text", "") if notes is not None else "")

    def list(self, status: str | None = None, page: int = 1) -> tuple[list[Request], int]:
        """Newest first, one page; and how many match."""
        query = select(CallbackRequest)
        counting = select(func.count()).select_from(CallbackRequest)
        if status:
            query = query.where(CallbackRequest.status == status)
            counting = counting.where(CallbackRequest.status == status)
        query = query.order_by(CallbackRequest.created_at.desc(), CallbackRequest.id.desc())
        query = query.offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        with self.db.session() as session:
            rows = list(session.scalars(query))
            total = int(session.scalar(counting) or 0)
        return [self._request(r) for r in rows], total

    def count_new(self) -> int:
        with self.db.session() as session:
            query = select(func.count()).where(CallbackRequest.status == "new")
            return int(session.scalar(query) or 0)

    def update(
        self,
        request_id: str,
        by: str,
        status: str | None = None,
        assignee: str | None = None,
        notes: str | None = None,
    ) -> Request | None:
        """Change a request's status, assignee or notes; who and when are recorded."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        with self.db.session(write=True) as session:
            row = session.scalar(
                select(CallbackRequest).where(CallbackRequest.request_id == request_id)
            )
            if row is None:
                return None
            now = utcnow()
            if status is not None and status != row.status:
                row.status, row.status_by, row.status_at = status, by, now
                row.closed_at = now if status in CLOSED else None
            if assignee is not None:
                row.assignee = assignee.strip() or None
            if notes is not None:
                row.notes = self._seal({"text": notes.strip()}) if notes.strip() else ""
            row.version += 1
        return self._request(row)

    def of_conversation(self, conversation_id: str) -> builtins.list[Request]:
        """Every request made from one conversation, oldest first."""
        with self.db.session() as session:
            rows = list(
                session.scalars(
                    select(CallbackRequest)
                    .where(CallbackRequest.conversation_id == conversation_id)
                    .order_by(CallbackRequest.created_at)
                )
            )
        return [self._request(r) for r in rows]

    def erase_conversation(self, conversation_id: str) -> builtins.list[str]:
        """Delete the requests made from one conversation; their request ids."""
        with self.db.session(write=True) as session:
            ids = list(
                session.scalars(
                    select(CallbackRequest.request_id).where(
                        CallbackRequest.conversation_id == conversation_id
                    )
                )
            )
            if ids:
                session.execute(delete(CallbackRequest).where(CallbackRequest.request_id.in_(ids)))
        return ids

    def purge(self, now: datetime | None = None) -> int:
        """Delete requests closed more than the retention period ago."""
        cutoff = (now or utcnow()) - self.retention
        with self.db.session(write=True) as session:
            result = session.execute(
                delete(CallbackRequest).where(
                    CallbackRequest.closed_at.is_not(None), CallbackRequest.closed_at < cutoff
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)
