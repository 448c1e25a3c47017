"""Turning a patient's message into exactly one kind of reply: urgent, no_answer or answer.

The bot is extractive: the only medical text it shows is the clinic's own
passages. Its own words are fixed sentences from settings (what to do in an
emergency, who to contact, the disclaimer).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from bot.articles.boilerplate import is_boilerplate, without_lead_in
from bot.articles.chunking import Chunk
from bot.callbacks.hours import OpeningHours
from bot.curation.view import CuratedView
from bot.index.versions import LoadedIndex
from bot.replies import answer_types, answerability
from bot.replies.conversation import Conversations
from bot.replies.own_case import is_own_case
from bot.replies.triage.detector import Finding, Triage, mostly_english
from bot.search.embedder import Embedder
from bot.search.english import rarity
from bot.search.retrieval import Hit, Retriever
from bot.search.synonyms import WordVectors
from bot.settings import ROOT, Settings

Kind = Literal["answer", "no_answer", "urgent"]

# A message leaning on the previous turn: a pronoun or a connective with no new topic.
_FOLLOW_UP = re.compile(
    r"\b(it|its|it's|itself|they|them|their|theirs|this|that|these|those|the (treatment|therapy|"
    r"procedure|same))\b|^\s*(and|also|so|but|what about|how about|what else|anything else)\b",
    re.IGNORECASE,
)
# A short message that ends or starts the way a continuation does ("less swelling too?",
# "any studies", "which one heals faster").
_CONTINUES = re.compile(
    r"\b(too|as well|also|either|instead|then|which one|the other( one)?)\W*$|"
    r"^\W*(any|which one|why|how come|how so|what for)\b",
    re.IGNORECASE,
)
# A message of at most this many words after an answer is read in the answer's context
# unless it is answered on its own ("recovery time?", "needles?").
SHORT_WORDS = 6
_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
# A sentence that asks: a question mark, or a question's first word.
_QUESTION = re.compile(
    r"\?\s*$|^\s*(what|whats|how|why|when|where|which|who|is|are|do|does|did|can|could|will|"
    r"would|should|any)\b",
    re.IGNORECASE,
)
# A follow-up must itself relate to a sentence of the passages (this much cosine) to inherit
# the topic.
FOLLOW_UP_FLOOR = 0.15
WORDS_CACHE = ROOT / ".cache" / "words"  # the index's word vectors, per model and vocabulary


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
    curated: bool = False  # pinned by the clinic's staff for this question
    # Rows of a table, to be shown as one: {"lead", "header", "rows"} (see Chunk.table).
    table: dict[str, Any] | None = None


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
    urgent: Urgent | None = None  # the red flag behind an urgent reply
    # For a message in another language that is not urgent: a short line in that language
    # (the bot answers in English only) with the emergency, interpreter and crisis numbers.
    language_notice: str | None = None


@dataclass
class Urgent:
    """Why a reply is urgent: the catalogue's tier and concept, and the reply in the
    patient's language when they wrote in another (drafted, awaiting a translator)."""

    tier: str
    concept: str
    title: str
    language: str = "en"
    translation: str | None = None


def _passage(hit: Hit, curated: bool = False) -> Passage:
    """A passage as shown: without the filler it may open with ("See how this works below:")."""
    chunk = hit.chunk
    table = None
    if chunk.table:
        lead = chunk.table.get("lead", "")
        table = {**chunk.table, "lead": "" if is_boilerplate(lead) else lead}
    return Passage(
        chunk_id=chunk.chunk_id,
        text=without_lead_in(chunk.text),
        score=round(hit.score, 4),
        source=Source(chunk.doc_id, chunk.title, chunk.section, chunk.url),
        cites=list(chunk.cites),
        published=chunk.published,
        reviewed_on=chunk.reviewed_on,
        curated=curated,
        table=table,
    )


class Answerer:
    """Answers messages from one loaded index; safe to share between requests."""

    def __init__(
        self,
        settings: Settings,
        index: LoadedIndex,
        embedder: Embedder,
        conversations: Conversations | None = None,
        triage: Triage | None = None,
        curation: CuratedView | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.retriever = Retriever(
            index, embedder, settings.lexical_weight, settings.sentence_weight
        )
        # Shared across index versions, so a conversation survives a re-index.
        self.conversations = conversations or Conversations(settings.conversation_ttl_seconds)
        self.triage = triage or Triage.shared(embedder)
        # Staff pins and hidden passages; the server swaps in a new view when they change.
        self.curation = curation or CuratedView()
        self._chunks = {c.chunk_id: (row, c) for row, c in enumerate(index.chunks)}
        self.hours = OpeningHours.from_settings(settings)  # for the after-hours line
        self.words = WordVectors(index.lexical, embedder, WORDS_CACHE)
        self.answerability = answerability.Model.load()
        self.confidence = settings.answer_confidence or self.answerability.threshold

    def _reply(
        self,
        conversation_id: str,
        kind: Kind,
        message: str,
        hits: list[Hit],
        own_case: bool,
        urgent: Urgent | None = None,
        curated: int = 0,
    ) -> Reply:
        return Reply(
            conversation_id=conversation_id,
            query_id=uuid.uuid4().hex,
            kind=kind,
            message=message,
            disclaimer=self.settings.disclaimer,
            index_version=self.index.manifest.version,
            passages=[_passage(h, n < curated) for n, h in enumerate(hits)],
            own_case=own_case,
            urgent=urgent,
        )

    def urgent_message(self, finding: Finding) -> str:
        """The catalogue's fixed sentences for the finding's tier (never generated)."""
        s = self.settings
        catalogue = self.triage.catalogue
        concept = catalogue.concept(finding.concept)
        text = catalogue.replies.to(finding.concept, finding.tier).format(
            emergency_number=s.emergency_number,
            crisis_line=s.crisis_line,
            clinic_name=s.clinic_name,
            treater=concept.treater,
            why=concept.why,
        )
        if finding.tier == "B" and s.clinic_phone:
            text += f" {s.clinic_name}: {s.clinic_phone}."
        if s.after_hours_number and not self.hours.is_open(datetime.now(UTC)):
            text += (
                f" {s.clinic_name} is closed now: its after-hours line is {s.after_hours_number}."
            )
        return text

    def urgent(self, finding: Finding) -> Urgent:
        """What the reply says of the red flag, with the patient's language's reply."""
        pack = self.triage.languages.languages.get(finding.language)
        translation = pack.replies.to(finding.concept, finding.tier) if pack else None
        concept = self.triage.catalogue.concept(finding.concept)
        return Urgent(finding.tier, finding.concept, concept.title, finding.language, translation)

    def language_notice(self, code: str | None) -> str | None:
        """The safety line in the patient's language (`code`) when it is not English."""
        pack = self.triage.languages.languages.get(code) if code else None
        return pack.replies.english_only if pack else None

    def no_answer_message(self) -> str:
        return (
            f"I couldn't find this in {self.settings.clinic_name}'s articles, so I can't "
            f"answer it here. {self.settings.contact()}"
        )

    def select(self, hits: list[Hit], query: str) -> list[Hit]:
        """The passages worth showing: the best if they answer the question, and close
        runners-up.

        A question that shares only its topic with the articles ("how much does exosome
        therapy cost?") scores high on the topic alone, so the best passage must also
        pass the answerability model (`answerability.py`): the score, with how much of
        the question's point the answering article leaves uncovered.
        """
        s = self.settings
        if not hits or hits[0].score < s.answer_threshold:
            return []
        if self.answerability.probability(self.features(hits, query)) < self.confidence:
            return []
        best = hits[0].score
        shown = [h for h in hits[: s.max_passages] if h.score >= best - s.passage_margin]
        # A price, a length of time or an age asked for must be in what is shown.
        for kind in answer_types.expected(query):
            shown = [h for h in shown if answer_types.holds(h.chunk.text, kind)]
        return shown

    def features(self, hits: list[Hit], query: str) -> dict[str, float]:
        """What the answerability model reads of a question and its best passages.

        Judged by the article that covers the most of it among the best few (in a
        library of hundreds, the best passage may come from an article on another topic).
        """
        top = hits[: self.settings.max_passages]
        docs = dict.fromkeys(h.chunk.doc_id for h in top)
        shares = [self.uncovered(query, doc_id) for doc_id in docs]
        return {
            "score": hits[0].score,
            "share": min(share for share, _ in shares),
            "point": min(point for _, point in shares),
            "sentence": self.retriever.sentence_similarity(query, top),
        }

    def uncovered(self, query: str, doc_id: str) -> tuple[float, float]:
        """The share of what `query` asks about that article `doc_id` never mentions, and
        that share weighted by how much each word says, counting words the article says
        in other words as covered (the question's point left uncovered).

        What the patient tells of themselves around a question ("i have olive skin and
        it's quite oily" after "does it work on all skin types?") counts half: it is the
        question's context, not its point.
        """
        sentences = [p for p in _SENTENCE.split(query) if p.strip()]
        asking = [p for p in sentences if _QUESTION.search(p)]
        parts = [
            (1.0 if p in asking or not asking else 0.5, *self.index.lexical.focus(p, doc_id))
            for p in sentences
        ]
        # Every uncovered word's nearest article word, from one run of the model.
        nearest = iter(self.words.nearest([w for *_, no in parts for w in no], doc_id))
        covered = uncovered = said = unsaid = 0.0
        for weight, yes, no in parts:
            covered += weight * len(yes)
            uncovered += weight * len(no)
            said += weight * sum(rarity(w) for w in yes)
            for word in no:
                closeness = next(nearest)
                if closeness >= answerability.SYNONYM:
                    said += weight * rarity(word)
                else:
                    unsaid += weight * rarity(word)
        share = uncovered / (covered + uncovered) if uncovered else 0.0
        point = unsaid / (said + unsaid) if unsaid else 0.0
        return share, point

    def chunk(self, chunk_id: str) -> Chunk | None:
        """The index's passage with this id (None when the index holds no such passage)."""
        found = self._chunks.get(chunk_id)
        return found[1] if found else None

    def visible(self, hits: list[Hit], curation: CuratedView) -> list[Hit]:
        """`hits` without the passages staff have hidden."""
        return [h for h in hits if h.chunk.chunk_id not in curation.hidden]

    def pinned(self, query: str, curation: CuratedView) -> list[Hit]:
        """The passages staff pinned to a question this close to `query`, in their order
        (those the index no longer holds, or that are hidden, left out)."""
        if not curation.pins:
            return []
        found = curation.match(self.retriever.embed(query), self.settings.pin_similarity)
        if found is None:
            return []
        answer, similarity = found
        hits = []
        for chunk_id in answer.chunk_ids:
            if chunk_id in self._chunks and chunk_id not in curation.hidden:
                row, chunk = self._chunks[chunk_id]
                hits.append(Hit(chunk, similarity, similarity, 0.0, row))
        return hits

    def read(self, message: str) -> tuple[str, str | None]:
        """What `message` is searched as, and the other language it is in (None: English).

        Typos are repaired in English only (the corpus's words are no spelling guide to
        Spanish or Tagalog); a message that is English once repaired is English
        ("recovry time?" reads as Tagalog to a trigram model)."""
        language = self.triage.language_of(message)
        corrected = self.retriever.index.lexical.correct(message)
        if language is None or mostly_english(corrected):
            return corrected, None
        return message, language

    def query_of(self, message: str) -> str:
        """What `message` is searched as (`read`)."""
        return self.read(message)[0]

    def ask(self, message: str, conversation_id: str | None = None) -> Reply:
        """Reply to one message, reading it in the context of the conversation so far."""
        conversation_id = conversation_id or uuid.uuid4().hex
        finding = self.triage.detect(message)
        if finding is not None:
            text = self.urgent_message(finding)
            urgent = self.urgent(finding)
            return self._reply(conversation_id, "urgent", text, [], False, urgent)
        query, language = self.read(message)
        curation = self.curation  # one view of the staff's curation for the whole reply
        topic = self.conversations.topic(conversation_id)
        short = len(_WORD.findall(message)) <= SHORT_WORDS
        leaning = bool(_FOLLOW_UP.search(message) or (short and _CONTINUES.search(message)))
        shown = self.select(self.visible(self.retriever.search(query), curation), query)
        # Read in the context of the last answer: a message that leans on it, or a short
        # one the articles do not answer on its own.
        follow_up = bool(topic and (leaning or (short and not shown)))
        pinned = self.pinned(query, curation)
        if pinned:  # staff's passages first, then the search's own not already among them
            pinned_ids = {p.chunk.chunk_id for p in pinned}
            rest = [h for h in shown if h.chunk.chunk_id not in pinned_ids]
            shown = (pinned + rest)[: max(self.settings.max_passages, len(pinned))]
        elif follow_up:
            found = self.visible(self.retriever.search(f"{topic} {query}"), curation)
            in_context = self.select(found, query)
            # Vetted against single sentences: a short follow-up ("who regulates it")
            # resembles one sentence far more than a whole passage.
            if (
                in_context
                and self.retriever.sentence_similarity(query, in_context) >= FOLLOW_UP_FLOOR
            ):
                shown = in_context
        own_case = is_own_case(message)
        if not shown:
            reply = self._reply(
                conversation_id, "no_answer", self.no_answer_message(), [], own_case
            )
            reply.language_notice = self.language_notice(language)
            return reply
        if pinned or not follow_up:
            self.conversations.remember(conversation_id, query)
        reply = self._reply(
            conversation_id,
            "answer",
            "Here is what our articles say:",
            shown,
            own_case,
            curated=len(pinned),
        )
        reply.language_notice = self.language_notice(language)
        return reply
