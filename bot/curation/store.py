"""Pins, hidden passages and their audit trail, in the database every server shares.

A pin says "for this question (and its variants), show these passages, in this order"; a
hidden passage is never shown until un-hidden. Both name passages by chunk id, which
hashes the passage's section and text, so they follow the passage across re-indexing and
notice when its text changes (the id is then gone from the index). The text as it was when
pinned or hidden is kept, so staff can review what changed. Every change is an event; the
newest event's id is the curation's version, which servers poll to reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.log.database import Base, Database, UTCDateTime, utcnow

MAX_PINNED = 3  # passages in one answer
MAX_QUESTION = 500


class CurationError(ValueError):
    """A change staff asked for that cannot be made (the message says why)."""


class Pin(Base):
    """Up to three passages shown first, in order, for a question and its variants."""

    __tablename__ = "pins"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[str]] = mapped_column(JSON)
    chunk_ids: Mapped[list[str]] = mapped_column(JSON)
    texts: Mapped[list[str]] = mapped_column(JSON)  # each passage as it was when pinned
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def questions(self) -> list[str]:
        return [self.question, *self.variants]


class HiddenPassage(Base):
    """A passage never shown, and why."""

    __tablename__ = "hidden_passages"

    chunk_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    hidden_by: Mapped[str] = mapped_column(String(254))
    hidden_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CurationEvent(Base):
    """One change: who pinned, un-pinned, hid or un-hid what, and when."""

    __tablename__ = "curation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(16))  # pin, unpin, hide, unhide
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclass(frozen=True)
class Passage:
    """What a pin or hide needs of a passage: its id and its text."""

    chunk_id: str
    text: str


class Curation:
    """Reads and changes the curation; every change is recorded as an event."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def version(self) -> int:
        """The newest event's id: it changes whenever the curation does."""
        with self.db.session() as session:
            return int(session.scalar(select(func.max(CurationEvent.id))) or 0)

    def pins(self) -> list[Pin]:
        with self.db.session() as session:
            return list(session.scalars(select(Pin).order_by(Pin.id)))

    def hidden(self) -> list[HiddenPassage]:
        with self.db.session() as session:
            return list(session.scalars(select(HiddenPassage).order_by(HiddenPassage.hidden_at)))

    def events(self, limit: int = 200) -> list[CurationEvent]:
        with self.db.session() as session:
            query = select(CurationEvent).order_by(CurationEvent.id.desc()).limit(limit)
            return list(session.scalars(query))

    def changed(self, present: set[str]) -> dict[str, list[str]]:
        """What an index holding only the passages `present` would leave for staff to review:
        the questions whose pinned passages it no longer has, and the hidden passages gone."""
        pins = [p.question for p in self.pins() if any(c not in present for c in p.chunk_ids)]
        hidden = [h.chunk_id for h in self.hidden() if h.chunk_id not in present]
        return {"pins": pins, "hidden": hidden}

    def pin(
        self, question: str, passages: list[Passage], by: str, variants: list[str] | None = None
    ) -> Pin:
        """Pin `passages` (1 to 3, in order) to `question` and its `variants`."""
        question = " ".join(question.split())
        variants = [" ".join(v.split()) for v in variants or [] if v.strip()]
        if not question or len(question) > MAX_QUESTION:
            raise CurationError(f"the question must have 1 to {MAX_QUESTION} characters")
        ids = [p.chunk_id for p in passages]
        if not 1 <= len(ids) <= MAX_PINNED or len(set(ids)) != len(ids):
            raise CurationError(f"pin 1 to {MAX_PINNED} different passages")
        pin = Pin(
            question=question,
            variants=variants,
            chunk_ids=ids,
            texts=[p.text for p in passages],
            created_by=by,
            created_at=utcnow(),
        )
        with self.db.session(write=True) as session:
            session.add(pin)
            session.flush()
            self._event(session, by, "pin", {"pin": pin.id, "question": question, "chunks": ids})
        return pin

    def unpin(self, pin_id: int | None, by: str) -> int:
        """Remove one pin (or every pin, `pin_id` None); how many were removed."""
        with self.db.session(write=True) as session:
            query = select(Pin) if pin_id is None else select(Pin).where(Pin.id == pin_id)
            gone = list(session.scalars(query))
            for pin in gone:
                self._event(session, by, "unpin", {"pin": pin.id, "question": pin.question})
            ids = [p.id for p in gone]
            if ids:
                session.execute(delete(Pin).where(Pin.id.in_(ids)))
            return len(gone)

    def hide(self, passage: Passage, reason: str, by: str) -> None:
        """Never show `passage` (until un-hidden); `reason` is required."""
        reason = " ".join(reason.split())
        if not reason:
            raise CurationError("say why the passage is hidden")
        with self.db.session(write=True) as session:
            if session.get(HiddenPassage, passage.chunk_id) is not None:
                raise CurationError(f"{passage.chunk_id} is already hidden")
            session.add(
                HiddenPassage(
                    chunk_id=passage.chunk_id,
                    text=passage.text,
                    reason=reason,
                    hidden_by=by,
                    hidden_at=utcnow(),
                )
            )
            self._event(session, by, "hide", {"chunk": passage.chunk_id, "reason": reason})

    def unhide(self, chunk_id: str, by: str) -> bool:
        with self.db.session(write=True) as session:
            found = session.get(HiddenPassage, chunk_id)
            if found is None:
                return False
            session.delete(found)
            self._event(session, by, "unhide", {"chunk": chunk_id})
            return True

    @staticmethod
    def _event(session: Any, actor: str, action: str, detail: dict[str, Any]) -> None:
        session.add(CurationEvent(at=utcnow(), actor=actor, action=action, detail=detail))
