"""What the query log stores: the rows, and how queued operations become rows.

A chat turn or a feedback is first an operation (a JSON-able dict, redacted) that the
patient's request queues and, if the database is down, spools (`bot.log.writer`); the
writer later stores a batch of them with `store`. Replaying a batch stores nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.log.database import Base, UTCDateTime, utcnow
from bot.log.redaction import redact
from bot.log.writer import Op
from bot.replies.answerer import Passage, Reply, Source, Urgent

IN_SLICE = 500  # values in one `IN (...)`: well inside every database's limit


class Question(Base):
    """One chat turn as logged: the redacted message and exactly what the bot replied."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    own_case: Mapped[bool]
    # The red flag behind an urgent reply (triage catalogue), for the staff's filters.
    urgent_tier: Mapped[str | None] = mapped_column(String(1), index=True)
    urgent_concept: Mapped[str | None] = mapped_column(String(64), index=True)
    # Staff judged that this message described a red flag the bot did not flag.
    missed_red_flag: Mapped[bool] = mapped_column(default=False)
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    index_version: Mapped[str] = mapped_column(String(100))
    latency_ms: Mapped[int]
    helpful: Mapped[bool | None]
    comment: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)

    @property
    def shown(self) -> list[tuple[str, float]]:
        """The chunk ids and scores shown, best first."""
        return [(p["chunk_id"], p["score"]) for p in self.reply.get("passages", [])]

    def as_reply(self) -> Reply:
        """The reply exactly as the patient got it."""
        passages = [
            Passage(**{**p, "source": Source(**p["source"])}) for p in self.reply["passages"]
        ]
        return Reply(
            conversation_id=self.conversation_id,
            query_id=self.query_id,
            kind=self.kind,  # type: ignore[arg-type]
            message=self.reply["message"],
            disclaimer=self.reply["disclaimer"],
            index_version=self.index_version,
            passages=passages,
            own_case=self.own_case,
            urgent=Urgent(**self.reply["urgent"]) if self.reply.get("urgent") else None,
            language_notice=self.reply.get("language_notice"),
        )

    def as_dict(self) -> dict[str, Any]:
        """The question as the staff API returns it."""
        return {
            "id": self.id,
            "query_id": self.query_id,
            "at": self.at.isoformat(),
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "message": self.message,
            "kind": self.kind,
            "own_case": self.own_case,
            "urgent_tier": self.urgent_tier,
            "urgent_concept": self.urgent_concept,
            "missed_red_flag": self.missed_red_flag,
            "shown": [{"chunk_id": c, "score": s} for c, s in self.shown],
            "reply": self.reply,
            "index_version": self.index_version,
            "latency_ms": self.latency_ms,
            "helpful": self.helpful,
            "comment": self.comment,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "reviewed_by": self.reviewed_by,
            "note": self.note,
        }


class Feedback(Base):
    """Each "was this helpful?" a patient sent; the latest one counts for its question."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    query_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    helpful: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(Text)


def record_op(message: str, reply: Reply, latency_ms: float, channel: str) -> Op:
    """The log operation for one chat turn, redacted, ready to queue or spool."""
    shown = asdict(reply)
    return {
        "op": "record",
        "query_id": reply.query_id,
        "at": utcnow().isoformat(),
        "conversation_id": reply.conversation_id,
        "channel": channel,
        "message": redact(message),
        "kind": reply.kind,
        "own_case": bool(reply.own_case),
        "urgent_tier": reply.urgent.tier if reply.urgent else None,
        "urgent_concept": reply.urgent.concept if reply.urgent else None,
        "reply": {
            k: shown[k] for k in ("message", "disclaimer", "passages", "urgent", "language_notice")
        },
        "index_version": reply.index_version,
        "latency_ms": round(latency_ms),
    }


def feedback_op(query_id: str, helpful: bool, comment: str | None) -> Op:
    return {
        "op": "feedback",
        "id": uuid.uuid4().hex,
        "query_id": query_id,
        "at": utcnow().isoformat(),
        "helpful": helpful,
        "comment": redact(comment),
    }


def store(session: Session, ops: list[Op]) -> None:
    """Write a batch of queued operations: one look-up of what exists, one bulk insert.

    Replays are idempotent (a record or feedback already stored is skipped), and the
    latest feedback on a question counts, whichever of the two arrived first.
    """
    query_ids = list({op["query_id"] for op in ops})
    feedback_ids = [op["id"] for op in ops if op["op"] == "feedback"]
    questions = {q.query_id: q for q in _in(session, Question, "query_id", query_ids)}
    stored = {f.id for f in _in(session, Feedback, "id", feedback_ids)}
    latest: dict[str, Feedback] = {}  # the newest feedback on each question
    for entry in _in(session, Feedback, "query_id", query_ids):
        _keep_latest(latest, entry)
    new: list[Base] = []
    for op in ops:
        at = datetime.fromisoformat(op["at"])
        if op["op"] == "record":
            if op["query_id"] in questions:
                continue  # replayed
            fields = {k: v for k, v in op.items() if k not in ("op", "at")}
            question = Question(at=at, **fields)
            rated = latest.get(op["query_id"])
            if rated:
                question.helpful, question.comment = rated.helpful, rated.comment
                question.feedback_at = rated.at
            questions[op["query_id"]] = question
            new.append(question)
        elif op["op"] == "feedback":
            if op["id"] in stored:
                continue
            entry = Feedback(
                id=op["id"],
                query_id=op["query_id"],
                at=at,
                helpful=op["helpful"],
                comment=op["comment"],
            )
            stored.add(entry.id)
            _keep_latest(latest, entry)
            new.append(entry)
            asked = questions.get(op["query_id"])
            if asked and (asked.feedback_at is None or asked.feedback_at <= at):
                asked.helpful, asked.comment = entry.helpful, entry.comment
                asked.feedback_at = at
    session.add_all(new)


def _in(session: Session, model: type[Base], column: str, values: list[str]) -> list[Any]:
    """Rows whose `column` is one of `values`, asked in slices a database accepts."""
    rows: list[Any] = []
    for start in range(0, len(values), IN_SLICE):
        chunk = values[start : start + IN_SLICE]
        rows.extend(session.scalars(select(model).where(getattr(model, column).in_(chunk))))
    return rows


def _keep_latest(latest: dict[str, Feedback], entry: Feedback) -> None:
    current = latest.get(entry.query_id)
    if current is None or current.at <= entry.at:
        latest[entry.query_id] = entry
