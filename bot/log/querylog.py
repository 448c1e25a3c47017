"""The query log: every chat turn, redacted, with what the bot showed and the patient's feedback.

`QueryLog.record` and `.feedback` are called on the patient's request path: they redact,
queue and return (`bot.log.writer`; the rows are in `bot.log.records`). Everything else is
for the staff dashboard and the CLI: listing with filters, one question, marking
reviewed, CSV export, purge, daily statistics, and the unanswered or unhelpful questions
that content gaps are made of.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import ColumnElement, Select, delete, func, or_, select, text

from bot.log.database import Database, utcnow
from bot.log.records import Feedback, Question, feedback_op, record_op, store
from bot.log.writer import Op, Spool, Writer
from bot.replies.answerer import Reply
from bot.settings import Settings

log = logging.getLogger("bot.log.querylog")

SPOOL_FILE = "querylog.spool.jsonl"
PER_PAGE = 50
MAX_CHART_DAYS = 366


class Filters(BaseModel):
    """What the dashboard, the CSV export and the charts are narrowed to."""

    model_config = ConfigDict(extra="ignore")

    since: date | None = Field(None, description="First day (in the clinic's time zone).")
    until: date | None = Field(None, description="Last day, inclusive.")
    kind: Literal["answer", "no_answer", "urgent"] | None = None
    feedback: Literal["helpful", "unhelpful", "none"] | None = None
    reviewed: Literal["yes", "no"] | None = None
    tier: Literal["A", "B"] | None = Field(None, description="Urgent replies of this tier.")
    concept: str | None = Field(None, max_length=64, description="Urgent replies of this red flag.")
    missed: Literal["yes"] | None = Field(None, description="Marked as a missed red flag.")
    q: str | None = Field(None, max_length=200, description="Text in the message or notes.")
    conversation: str | None = Field(None, max_length=64)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def params(self, **extra: object) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        values = {**self.model_dump(exclude_none=True), **extra}
        return {k: str(v) for k, v in values.items() if v is not None}


@dataclass
class Page:
    items: list[Question]
    total: int
    page: int
    pages: int


@dataclass
class Day:
    day: date
    answer: int = 0
    no_answer: int = 0
    urgent: int = 0
    helpful: int = 0
    unhelpful: int = 0

    @property
    def total(self) -> int:
        return self.answer + self.no_answer + self.urgent

    @property
    def answer_rate(self) -> float | None:
        """Share answered of the questions the articles could have answered (not urgent)."""
        asked = self.answer + self.no_answer
        return self.answer / asked if asked else None


@dataclass
class Health:
    status: Literal["ok", "degraded"]
    spooled: int = 0
    lost: int = 0
    errors: list[str] = field(default_factory=list)


class QueryLog:
    """The log of one database; writes are queued, reads are direct."""

    def __init__(self, db: Database, settings: Settings, retry_seconds: float = 5.0) -> None:
        self.db = db
        self.zone = ZoneInfo(settings.timezone)
        self.retention_days = settings.log_retention_days
        self.writer = Writer(
            self._apply,
            Spool(settings.data_dir / SPOOL_FILE),
            retry_seconds=retry_seconds,
            maintenance=self._auto_purge if self.retention_days else None,
        )

    # Writing (the patient's request path: never raises)

    def start(self) -> None:
        """Bring the schema up to date (if the database is up) and start the writer."""
        self.db.try_upgrade()
        self.writer.start()

    def record(self, message: str, reply: Reply, latency_ms: float, channel: str = "api") -> None:
        """Queue one chat turn; any failure is logged, never raised to the patient."""
        try:
            self.writer.put(record_op(message, reply, latency_ms, channel))
        except Exception:
            log.exception("query log: could not queue query %s", reply.query_id)

    def feedback(self, query_id: str, helpful: bool, comment: str | None = None) -> None:
        """Queue a patient's feedback on one reply (the latest for a reply counts)."""
        try:
            self.writer.put(feedback_op(query_id, helpful, comment))
        except Exception:
            log.exception("query log: could not queue feedback on %s", query_id)

    def flush(self, timeout: float = 30.0) -> bool:
        return self.writer.flush(timeout)

    def close(self) -> None:
        self.writer.close()

    def health(self) -> Health:
        spooled, lost = self.writer.spool.count, self.writer.spool.lost
        degraded = bool(spooled or lost or self.writer.failing or not self.db.ready)
        errors = [e for e in (self.writer.failing,) if e]
        return Health("degraded" if degraded else "ok", spooled, lost, errors)

    def _apply(self, ops: list[Op]) -> None:
        """Write a batch of queued operations in one transaction (see `logrecords.store`)."""
        if not self.db.ready:
            self.db.upgrade()
        with self.db.session(write=True) as session:
            store(session, ops)

    # Reading and reviewing (staff and the CLI)

    def _bounds(self, since: date | None, until: date | None) -> list[ColumnElement[bool]]:
        conditions = []
        if since:
            conditions.append(Question.at >= self._start_of(since))
        if until:
            conditions.append(Question.at < self._start_of(until + timedelta(days=1)))
        return conditions

    def _start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    def _where(self, filters: Filters) -> list[ColumnElement[bool]]:
        conditions = self._bounds(filters.since, filters.until)
        if filters.kind:
            conditions.append(Question.kind == filters.kind)
        if filters.feedback == "none":
            conditions.append(Question.helpful.is_(None))
        elif filters.feedback:
            conditions.append(Question.helpful.is_(filters.feedback == "helpful"))
        if filters.reviewed:
            reviewed = Question.reviewed_at.is_not(None)
            conditions.append(reviewed if filters.reviewed == "yes" else ~reviewed)
        if filters.q:
            text = filters.q.strip()
            conditions.append(
                or_(
                    *(
                        c.icontains(text, autoescape=True)
                        for c in (Question.message, Question.comment, Question.note)
                    )
                )
            )
        if filters.conversation:
            conditions.append(Question.conversation_id == filters.conversation)
        if filters.tier:
            conditions.append(Question.urgent_tier == filters.tier)
        if filters.concept:
            conditions.append(Question.urgent_concept == filters.concept)
        if filters.missed:
            conditions.append(Question.missed_red_flag.is_(True))
        return conditions

    def _select(self, filters: Filters) -> Select[Question]:
        newest = (Question.at.desc(), Question.id.desc())
        return select(Question).where(*self._where(filters)).order_by(*newest)

    def questions(self, filters: Filters, page: int = 1, per_page: int = PER_PAGE) -> Page:
        """One page of logged questions, newest first."""
        with self.db.session() as session:
            total = session.scalar(
                select(func.count()).select_from(Question).where(*self._where(filters))
            )
            pages = max(1, math.ceil((total or 0) / per_page))
            page = min(max(1, page), pages)
            items = session.scalars(
                self._select(filters).offset((page - 1) * per_page).limit(per_page)
            ).all()
        return Page(list(items), total or 0, page, pages)

    def get(self, question_id: int) -> Question | None:
        with self.db.session() as session:
            return session.get(Question, question_id)

    def conversation(self, conversation_id: str) -> Sequence[Question]:
        """Every logged turn of one conversation, oldest first."""
        with self.db.session() as session:
            return session.scalars(
                select(Question)
                .filter_by(conversation_id=conversation_id)
                .order_by(Question.at, Question.id)
            ).all()

    def feedback_on(self, query_id: str) -> Sequence[Feedback]:
        """Every "was this helpful?" sent on one reply, oldest first (the last one counts)."""
        with self.db.session() as session:
            return session.scalars(
                select(Feedback).where(Feedback.query_id == query_id).order_by(Feedback.at)
            ).all()

    def mark_reviewed(
        self, question_id: int, by: str, note: str | None, reviewed: bool = True
    ) -> Question | None:
        """Set (or clear) "reviewed" and the staff note on one question."""
        with self.db.session(write=True) as session:
            question = session.get(Question, question_id)
            if question is None:
                return None
            question.note = (note or "").strip() or None
            if reviewed and question.reviewed_at is None:
                question.reviewed_at, question.reviewed_by = utcnow(), by
            elif not reviewed:
                question.reviewed_at = question.reviewed_by = None
        return question

    def mark_missed(self, question_id: int, missed: bool) -> Question | None:
        """Mark (or unmark) a question as a red flag the bot missed, for the catalogue's
        reviewers to add as an example."""
        with self.db.session(write=True) as session:
            question = session.get(Question, question_id)
            if question is not None:
                question.missed_red_flag = missed
        return question

    def export(self, filters: Filters) -> Iterator[list[str]]:
        """CSV rows (a header first) of every question the filters select, newest first."""
        yield [
            "time",
            "query_id",
            "conversation_id",
            "channel",
            "kind",
            "message",
            "shown",
            "index_version",
            "latency_ms",
            "helpful",
            "comment",
            "reviewed_at",
            "reviewed_by",
            "note",
        ]
        with self.db.session() as session:
            for q in session.scalars(self._select(filters).execution_options(yield_per=500)):
                yield [
                    _cell(v)
                    for v in (
                        self.local(q.at).isoformat(timespec="seconds"),
                        q.query_id,
                        q.conversation_id,
                        q.channel,
                        q.kind,
                        q.message,
                        "; ".join(f"{c} ({s:.3f})" for c, s in q.shown),
                        q.index_version,
                        str(q.latency_ms),
                        "" if q.helpful is None else ("yes" if q.helpful else "no"),
                        q.comment,
                        q.reviewed_at and self.local(q.reviewed_at).isoformat(timespec="seconds"),
                        q.reviewed_by,
                        q.note,
                    )
                ]

    def purge(self, older_than: timedelta) -> int:
        """Delete questions and feedback older than `older_than`; the number of questions."""
        cutoff = utcnow() - older_than
        with self.db.session(write=True) as session:
            if self.db.url.get_backend_name() == "postgresql":
                # Servers sharing the database purge one at a time (the others find nothing).
                session.execute(text("SELECT pg_advisory_xact_lock(7301)"))
            session.execute(delete(Feedback).where(Feedback.at < cutoff))
            result = session.execute(delete(Question).where(Question.at < cutoff))
        count: int = getattr(result, "rowcount", 0)
        log.info("query log: purged %d questions older than %s", count, cutoff)
        return count

    def erase_conversation(self, conversation_id: str) -> int:
        """Delete every turn of a conversation and the feedback on them, in the database and
        in the spool (what is queued is written first); how many turns were deleted. Raises
        when the database cannot be reached: an erasure is never reported done when not."""
        self.flush()
        spooled = {
            op["query_id"]
            for op in self.writer.spool.pending()
            if op.get("op") == "record" and op.get("conversation_id") == conversation_id
        }
        with self.db.session(write=True) as session:
            ids = list(
                session.scalars(
                    select(Question.query_id).where(Question.conversation_id == conversation_id)
                )
            )
            gone = set(ids) | spooled
            if gone:
                session.execute(delete(Feedback).where(Feedback.query_id.in_(gone)))
            result = session.execute(
                delete(Question).where(Question.conversation_id == conversation_id)
            )
        self.writer.spool.drop(lambda op: op.get("query_id") in gone)
        return int(getattr(result, "rowcount", 0) or 0) + len(spooled - set(ids))

    def _auto_purge(self) -> None:
        self.purge(timedelta(days=self.retention_days))

    def local(self, moment: datetime) -> datetime:
        """A stored moment in the clinic's time zone."""
        return moment.astimezone(self.zone)

    def today(self) -> date:
        return datetime.now(self.zone).date()

    def stats(self, since: date, until: date) -> list[Day]:
        """Questions by kind and feedback for each day from `since` to `until`."""
        since = max(since, until - timedelta(days=MAX_CHART_DAYS - 1))
        days = {
            since + timedelta(n): Day(since + timedelta(n)) for n in range((until - since).days + 1)
        }
        with self.db.session() as session:
            rows = session.execute(
                select(Question.at, Question.kind, Question.helpful).where(
                    *self._bounds(since, until)
                )
            ).all()
        for at, kind, helpful in rows:
            day = days.get(self.local(at).date())
            if day is None:
                continue
            setattr(day, kind, getattr(day, kind) + 1)
            if helpful is not None:
                day.helpful += helpful
                day.unhelpful += not helpful
        return list(days.values())

    def gap_candidates(self, filters: Filters, limit: int = 2000) -> list[Question]:
        """The newest unanswered or unhelpful questions the filters select."""
        unserved = or_(Question.kind == "no_answer", Question.helpful.is_(False))
        with self.db.session() as session:
            return list(
                session.scalars(
                    self._select(filters).where(unserved, Question.kind != "urgent").limit(limit)
                ).all()
            )


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
