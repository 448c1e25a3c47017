"""Content gaps: unanswered and unhelpful questions grouped by meaning, largest groups first.

Questions are embedded with the same model as the articles. The question with the most
close neighbours (cosine at least `BOT_GAP_SIMILARITY`) leads a group and takes them;
then the next, among those left (the greedy "community detection" of
sentence-transformers, which keeps each group tight around its leader).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.log.database import Base, Database, UTCDateTime, utcnow
from bot.log.records import Question

Encode = Callable[[list[str]], np.ndarray]


@dataclass
class Gap:
    """Questions about one missing topic; `label` is the most typical of them."""

    label: str
    questions: list[Question] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.questions)

    @property
    def unanswered(self) -> int:
        return sum(q.kind == "no_answer" for q in self.questions)

    @property
    def unhelpful(self) -> int:
        return sum(q.helpful is False for q in self.questions)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def find_gaps(questions: Sequence[Question], encode: Encode, threshold: float) -> list[Gap]:
    """Group questions (newest first) by similarity; the largest group comes first."""
    by_text: dict[str, list[Question]] = {}
    for question in questions:
        by_text.setdefault(_normal(question.message), []).append(question)
    if not by_text:
        return []
    texts = list(by_text)
    vectors = encode(texts)
    close = (vectors @ vectors.T) >= threshold  # normalised vectors: inner product is cosine
    weight = np.array([len(by_text[t]) for t in texts])
    # Stable sort: among equals, the text asked most recently leads.
    order = np.argsort(-(close.astype(np.int64) @ weight), kind="stable")
    taken = np.zeros(len(texts), dtype=bool)
    gaps = []
    for leader in order:
        if taken[leader]:
            continue
        members = np.flatnonzero(close[leader] & ~taken)
        taken[members] = True
        grouped = [q for m in members for q in by_text[texts[m]]]
        grouped.sort(key=lambda q: (q.at, q.id), reverse=True)
        gaps.append(Gap(by_text[texts[leader]][0].message, grouped))
    gaps.sort(key=lambda g: (g.size, g.questions[0].at), reverse=True)  # then most recent
    return gaps


class CachedEncoder:
    """Embeds texts, remembering recent ones: the same questions come back on every visit."""

    def __init__(self, encode: Encode, size: int = 20_000) -> None:
        self._encode = encode
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if text in self._cache:
                    found[text] = self._cache[text]
                    self._cache.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, self._encode(missing), strict=True))
            with self._lock:
                self._cache.update((t, found[t]) for t in missing)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])


# Closing the loop: a gap the content team is writing an article for.


class TrackedGap(Base):
    """A content gap marked "being written", its questions, and how the index answers them.

    `results` holds, for the version last checked, each question and whether it now gets
    an answer (and from which article); the gap is closed once every question does.
    """

    __tablename__ = "tracked_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # writing | closed
    doc_id: Mapped[str | None] = mapped_column(String(200))
    marked_by: Mapped[str] = mapped_column(String(254))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_version: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    @property
    def answered(self) -> int:
        return sum(bool(r["answered"]) for r in self.results or [])


class GapTracker:
    """Gaps being written, in the staff database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def mark(self, label: str, questions: list[str], by: str) -> TrackedGap:
        """Mark a gap "being written"; its questions are asked again after each re-index."""
        unique = list(dict.fromkeys(q.strip() for q in questions if q.strip()))
        gap = TrackedGap(
            label=label.strip() or unique[0], questions=unique, status="writing",
            marked_by=by, marked_at=utcnow(),
        )  # fmt: skip
        with self.db.session(write=True) as session:
            session.add(gap)
            session.flush()
        return gap

    def link(self, gap_id: int, doc_id: str | None) -> TrackedGap | None:
        """Link a tracked gap to the article that is meant to close it."""
        with self.db.session(write=True) as session:
            gap = session.get(TrackedGap, gap_id)
            if gap is not None:
                gap.doc_id = doc_id or None
        return gap

    def remove(self, gap_id: int) -> None:
        with self.db.session(write=True) as session:
            gap = session.get(TrackedGap, gap_id)
            if gap is not None:
                session.delete(gap)

    def tracked(self) -> list[TrackedGap]:
        """Tracked gaps, open ones first, newest first."""
        with self.db.session() as session:
            found = session.scalars(select(TrackedGap).order_by(TrackedGap.id.desc())).all()
        return sorted(found, key=lambda g: g.status != "writing")

    def recheck(self, version: str, ask: Callable[[str], tuple[str, str]]) -> int:
        """Ask every open gap's questions again; `ask` gives (kind, doc_id of the best passage).

        Returns how many gaps closed (every question now answered).
        """
        closed = 0
        with self.db.session(write=True) as session:
            for gap in session.scalars(select(TrackedGap).filter_by(status="writing")):
                results = []
                for question in gap.questions:
                    kind, doc_id = ask(question)
                    results.append(
                        {"question": question, "answered": kind == "answer", "doc_id": doc_id}
                    )
                gap.results, gap.checked_version, gap.checked_at = results, version, utcnow()
                if results and all(r["answered"] for r in results):
                    gap.status = "closed"
                    closed += 1
        return closed
