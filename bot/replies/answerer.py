"""Turning a patient's message into exactly one kind of reply: urgent, no_answer or answer.

The bot is extractive: the only medical text it shows is the clinic's own
passages. Its own words are fixed sentences from settings (what to do in an
emergency, who to contact, the disclaimer).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Literal

from bot.index.versions import LoadedIndex
from bot.replies.conversation import Conversations
from bot.replies.own_case import is_own_case
from bot.replies.urgent import detect_urgent
from bot.search.embedder import Embedder
from bot.search.retrieval import Hit, Retriever
from bot.settings import Settings

Kind = Literal["answer", "no_answer", "urgent"]

# A message leaning on the previous turn: a pronoun or a connective with no new topic.
_FOLLOW_UP = re.compile(
    r"\b(it|its|it's|itself|they|them|their|theirs|this|that|these|those|the (treatment|therapy|"
    r"procedure|same))\b|^\s*(and|also|so|but|what about|how about|what else|anything else)\b",
    re.IGNORECASE,
)
# A follow-up must itself relate to a sentence of the passages (this much cosine) to inherit
# the topic.
FOLLOW_UP_FLOOR = 0.15


@dataclass
class Source:
    doc_id: str
    title: str
    section: str
    url: str


@dataclass
class Passage:
    """A passage as shown to the patient: the article's words, where they come from."""

    chunk_id: str
    text: str
    score: float
    source: Source
    cites: list[str]
    published: str | None = None
    reviewed_on: str | None = None


@dataclass
class Reply:
    """One reply; the JSON API returns it as is."""

    conversation_id: str
    query_id: str
    kind: Kind
    message: str
    disclaimer: str
    index_version: str
    passages: list[Passage] = field(default_factory=list)
    own_case: bool = False  # asks about the patient's own case: point them to a consultation


def _passage(hit: Hit) -> Passage:
    chunk = hit.chunk
    return Passage(
        chunk_id=chunk.chunk_id,
        text=chunk.text,
        score=round(hit.score, 4),
        source=Source(chunk.doc_id, chunk.title, chunk.section, chunk.url),
        cites=list(chunk.cites),
        published=chunk.published,
        reviewed_on=chunk.reviewed_on,
    )


class Answerer:
    """Answers messages from one loaded index; safe to share between requests."""

    def __init__(
        self,
        settings: Settings,
        index: LoadedIndex,
        embedder: Embedder,
        conversations: Conversations | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.retriever = Retriever(
            index, embedder, settings.lexical_weight, settings.sentence_weight
        )
        # Shared across index versions, so a conversation survives a re-index.
        self.conversations = conversations or Conversations(settings.conversation_ttl_seconds)

    def _reply(
        self, conversation_id: str, kind: Kind, message: str, hits: list[Hit], own_case: bool
    ) -> Reply:
        return Reply(
            conversation_id=conversation_id,
            query_id=uuid.uuid4().hex,
            kind=kind,
            message=message,
            disclaimer=self.settings.disclaimer,
            index_version=self.index.manifest.version,
            passages=[_passage(h) for h in hits],
            own_case=own_case,
        )

    def urgent_message(self, category: str) -> str:
        s = self.settings
        if category == "self_harm":
            return (
                f"I'm really sorry you're going through this. Please talk to someone now: "
                f"call {s.crisis_line}, any time, day or night. If you are in danger right now, "
                f"call {s.emergency_number}."
            )
        return (
            f"This may need urgent care. If this is an emergency, call {s.emergency_number} "
            f"now or go to your nearest emergency department. Then contact your treating "
            f"surgeon or {s.clinic_name} to let them know."
        )

    def no_answer_message(self) -> str:
        return (
            f"I couldn't find this in {self.settings.clinic_name}'s articles, so I can't "
            f"answer it here. {self.settings.clinic_contact}"
        )

    def select(self, hits: list[Hit], query: str) -> list[Hit]:
        """The passages worth showing: the best if it is good enough, and close runners-up.

        A question that shares only its topic with the articles ("how much does exosome
        therapy cost?") scores high on the topic alone. So a question that names things
        the articles never mention needs a higher score, in proportion to their share of
        its words (`focus_margin`), and one about nothing they cover is not answered.
        """
        s = self.settings
        if not hits or hits[0].score < s.answer_threshold:
            return []
        covered, uncovered = self.index.lexical.focus(query, hits[0].chunk.doc_id)
        if uncovered:
            share = len(uncovered) / (len(covered) + len(uncovered))
            if share == 1.0 or hits[0].score < s.answer_threshold + s.focus_margin * share:
                return []
        best = hits[0].score
        return [h for h in hits[: s.max_passages] if h.score >= best - s.passage_margin]

    def ask(self, message: str, conversation_id: str | None = None) -> Reply:
        """Reply to one message, reading it in the context of the conversation so far."""
        conversation_id = conversation_id or uuid.uuid4().hex
        signal = detect_urgent(message)
        if signal is not None:
            text = self.urgent_message(signal.category)
            return self._reply(conversation_id, "urgent", text, [], own_case=False)
        query = self.retriever.index.lexical.correct(message)
        topic = self.conversations.topic(conversation_id)
        follow_up = bool(topic and _FOLLOW_UP.search(message))
        shown = self.select(self.retriever.search(query), query)
        if follow_up:
            in_context = self.select(self.retriever.search(f"{topic} {query}"), query)
            # Vetted against single sentences: a short follow-up ("who regulates it")
            # resembles one sentence far more than a whole passage.
            if (
                in_context
                and self.retriever.sentence_similarity(query, in_context) >= FOLLOW_UP_FLOOR
            ):
                shown = in_context
        own_case = is_own_case(message)
        if not shown:
            return self._reply(conversation_id, "no_answer", self.no_answer_message(), [], own_case)
        if not follow_up:
            self.conversations.remember(conversation_id, query)
        return self._reply(
            conversation_id, "answer", "Here is what our articles say:", shown, own_case
        )
