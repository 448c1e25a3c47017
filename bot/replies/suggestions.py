"""Suggested first questions: the content team's, then ones made from section headings.

An article's front matter may list `questions:` as patients ask them; those come
first. Headings are written for readers, not as questions ("2. Scar Reduction",
"Final Thoughts: The Future of Exosome Therapy"), so each is turned into a
natural question. Only questions the bot really answers are offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from itertools import chain, zip_longest

from bot.articles.chunking import Chunk

MAX_SUGGESTIONS = 5
MAX_TRIES = 20  # headings tried at most, so a huge corpus costs a bounded number of searches

_NUMBERING = re.compile(r"^\s*(?:\d+|[ivxIVX]+)[.)]\s+")
_PARTS = re.compile(r"\s*(?::|\s[-–—|]\s)\s*")
_GENERIC = {
    "final thoughts", "conclusion", "conclusions", "summary", "in summary", "overview",
    "introduction", "key takeaways", "the bottom line", "bottom line", "faq", "faqs",
    "get the full breakdown", "the full breakdown", "references", "read more", "learn more",
}  # fmt: skip
_QUESTION_WORDS = {"how", "what", "why", "when", "where", "who", "which"}
_AUXILIARIES = {"can", "could", "will", "would", "do", "does", "is", "are", "may", "should"}
_LEAD_VERBS = {"know", "learn", "understand", "discover", "explore", "see", "read", "meet"}
_ACTION_VERBS = {
    "boost", "reduce", "improve", "speed", "prevent", "manage", "treat", "avoid", "prepare",
    "choose", "minimise", "minimize", "protect", "support", "care", "heal", "recover",
}  # fmt: skip


def _proper_words(texts: Iterable[str]) -> set[str]:
    """Words an article only ever writes capitalised mid-sentence ("Australian", "Mayo")."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        capitalised.update(w.lower() for w in re.findall(r"(?<=[a-z,;] )[A-Z][a-z]+", text))
        lower.update(re.findall(r"\b[a-z]+\b", text))
    return capitalised - lower


def _sentence_case(words: list[str], proper: AbstractSet[str]) -> str:
    """Title Case to sentence case, keeping acronyms and the article's proper nouns."""

    def case(word: str) -> str:
        parts = word.split("-")
        return "-".join(
            p if p.isupper() or p.lower() in proper or not p[:1].isupper() else p.lower()
            for p in parts
        )

    return " ".join(case(w) for w in words)


def heading_question(heading: str, proper: AbstractSet[str] = frozenset()) -> str | None:
    """A patient's question for a section heading, or None when it makes no good question.

    Example: heading_question("2. Scar Reduction") -> "What should I know about scar reduction?"
    """
    text = re.sub(r"(\w)- (?=\w)", r"\1-", _NUMBERING.sub("", heading.strip()))
    parts = [p.strip(" ?.!") for p in _PARTS.split(text)]
    kept = [p for p in parts if p and p.lower() not in _GENERIC]
    if not kept:
        return None
    words = kept[0].split()
    if words[0].lower() in _LEAD_VERBS and len(words) > 1:
        words = words[1:]  # "Know the Australian Regulations" -> "the Australian Regulations"
    first = words[0].lower()
    if first in _QUESTION_WORDS and len(words) > 2 and words[1].lower() not in _AUXILIARIES:
        # "How Exosomes Can Rejuvenate Skin" -> "How Can Exosomes Rejuvenate Skin"
        aux = next((i for i, w in enumerate(words[2:], 2) if w.lower() in _AUXILIARIES), 0)
        if aux:
            words = [words[0], words[aux], *words[1:aux], *words[aux + 1 :]]
    phrase = _sentence_case(words, proper)
    if first in _QUESTION_WORDS | _AUXILIARIES:
        return f"{phrase[:1].upper()}{phrase[1:]}?"
    if first in _ACTION_VERBS:
        return f"How can I {phrase}?"
    return f"What should I know about {phrase}?"


def _headings(chunks: list[Chunk]) -> list[Chunk]:
    """One chunk per distinct heading: top-level sections first, article titles last."""
    first: dict[tuple[str, str], tuple[tuple[int, int], Chunk]] = {}
    for position, chunk in enumerate(chunks):
        if (chunk.doc_id, chunk.section) not in first:
            depth = 9 if chunk.section == chunk.title else chunk.context.count(" > ") + 1
            first[chunk.doc_id, chunk.section] = ((depth, position), chunk)
    return [chunk for _, chunk in sorted(first.values(), key=lambda item: item[0])]


def _from_headings(chunks: list[Chunk]) -> Iterable[str]:
    texts: dict[str, list[str]] = {}
    for chunk in chunks:
        texts.setdefault(chunk.doc_id, []).append(chunk.text)
    proper: dict[str, set[str]] = {}
    for chunk in _headings(chunks):
        if chunk.doc_id not in proper:
            proper[chunk.doc_id] = _proper_words(texts[chunk.doc_id])
        question = heading_question(chunk.section, proper[chunk.doc_id])
        if question is not None:
            yield question


def suggest(chunks: list[Chunk], answers: Callable[[str], bool]) -> list[str]:
    """Up to five questions for which `answers(question)` is true: the articles' own
    `questions:` first (in turn across articles), then questions made from headings.

    `answers` asks the real bot, so a suggestion never leads to "not covered".
    """
    written = [c.questions for c in chunks if c.questions]
    in_turn = [q for round_ in zip_longest(*written) for q in round_ if q]
    tried: set[str] = set()
    chosen: list[str] = []
    for question in chain(in_turn, _from_headings(chunks)):
        if question in tried:
            continue
        tried.add(question)
        if answers(question):
            chosen.append(question)
        if len(chosen) == MAX_SUGGESTIONS or len(tried) == MAX_TRIES:
            break
    return chosen
