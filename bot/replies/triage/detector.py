"""The red-flag detector: which concept a message may describe, at which tier, and in
which language to reply.

Three signals, each on the clauses that describe something happening now
(`clauses.py`): the catalogue's examples through the embedding model (`semantic.py`,
English), the lexicons of ten other languages (`lexicon.py`), and the hand-written English
patterns that came before them (`patterns.py`). The semantic signal's two thresholds are
fitted on the catalogue itself when it loads (leave-one-out: each example is judged by
the others), so a clinic's doctor who adds examples never tunes a number by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from bot.replies.triage import patterns
from bot.replies.triage.catalogue import (
    Catalogue,
    Languages,
    Tier,
    load_catalogue,
    load_languages,
)
from bot.replies.triage.classifier import Classifier
from bot.replies.triage.clauses import Clause, clauses, frame, normalise
from bot.replies.triage.lexicon import Lexicon, Terms, fold
from bot.replies.triage.semantic import Examples, all_units, unit_vectors
from bot.search.english import english
from bot.settings import ROOT

Signal = Literal["semantic", "pattern", "lexicon", "terms"]
# The largest share of the catalogue's must-not-trigger messages (its `not` lists and
# ordinary questions) that describe something now the fitted thresholds may flag,
# leave-one-out: the false-alarm target, on the hardest of the catalogue's messages.
FIT_FALSE_ALARMS = 0.03
CACHE_DIR = ROOT / ".cache" / "triage"  # the catalogue's vectors, per model
# A clause that turns back to an act told before it.
_AGAIN = re.compile(
    r"\b(?:again|do it|try it|this time|same thing|one more time|another go"
    r"|finish (?:it|the job))\b"
)
_CANTONESE = re.compile(r"[唔咗嘅冇係佢啲嚟喺嘢]")


@dataclass(frozen=True)
class Thresholds:
    """Flag a clause when its nearest examples are this close and this much closer than the
    nearest must-not-trigger ones; or, whatever the negatives, when they are `certain`;
    or when the classifier gives a concept at least `model`."""

    positive: float
    margin: float
    certain: float
    model: float = 1.01  # the classifier's probability of a concept that flags (1.01: off)
    recall: float = 0.0  # of the catalogue's examples, each judged by the others
    false_alarms: float = 0.0  # of its must-not-trigger examples


@dataclass(frozen=True)
class Finding:
    """A red flag: its tier and concept, the language to reply in, and what found it."""

    tier: Tier
    concept: str
    language: str = "en"
    signal: Signal = "semantic"
    score: float = 1.0
    details: dict[str, Any] = field(default_factory=dict, compare=False)


class Triage:
    """Red-flag triage over one catalogue; safe to share between requests."""

    def __init__(
        self,
        encoder: Any,
        catalogue: Catalogue | None = None,
        languages: Languages | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.languages = languages or load_languages()
        self.encoder = encoder
        self.examples = Examples(self.catalogue, encoder, cache_dir)
        self.lexicon = Lexicon(self.languages)
        self.terms = Terms({c.id: c.terms for c in self.catalogue.concepts})
        self.benign = {
            c.id: (_phrases(c.benign), _phrases(c.benign_unless))
            for c in self.catalogue.concepts
            if c.benign
        }
        self.model = Classifier(self.examples, cache_dir)
        self.thresholds = fit(self.examples, self.model)
        self.tiers = {c.id: c.tier for c in self.catalogue.concepts}
        self.language_of("warm up")  # load the language models now, not on a patient's turn

    @staticmethod
    def shared(encoder: Any) -> Triage:
        """One Triage per encoder (the examples are embedded once per process)."""
        return _shared(encoder)

    def detect(self, message: str) -> Finding | None:
        """The most urgent red flag `message` may describe, or None."""
        whole, parts = clauses(message)
        # In an English message, words the lexicons share with English ("vision", "suicid")
        # are read in their English frame too.
        english = self.language_of(message) is None
        found = [
            Finding(self.tiers[hit.concept], hit.concept, hit.language, "lexicon")
            for hit in self.lexicon.find(message, _english_frame if english else None)
        ]
        units = all_units(whole, parts)
        now = [u for u in units if u.about_now]
        # Clauses that only self-harm can be read in: negated or conditional ones.
        self_harm = [u for u in units if u.may_be_self_harm and not u.about_now]
        literals = self.terms.index.present(fold(whole.text))
        for unit in now + self_harm:
            only = None if unit.about_now else "self_harm"
            for concept in self.terms.find(unit.text, only, literals):
                if not self._benign(concept, unit.text):
                    found.append(Finding(self.tiers[concept], concept, "en", "terms"))
            signal = patterns.detect_urgent(unit.text)
            if signal is not None and (unit.about_now or signal.category == "self_harm"):
                concept = patterns.CONCEPTS[signal.reason]
                if not self._benign(concept, unit.text):
                    found.append(Finding(self.tiers[concept], concept, "en", "pattern"))
        found += self._semantic(message, whole, parts, now, self_harm)
        if not any(f.concept == "self_harm" for f in found) and self._again(parts, literals):
            found.append(Finding(self.tiers["self_harm"], "self_harm", "en", "terms"))
        return _most_urgent(found, self.language_of(message) if _several(found) else None)

    def _again(self, parts: list[Clause], literals: set[str]) -> bool:
        """A past act of self-harm that a later clause about now turns back to ("last year
        I overdosed and I want to do it again"): a past attempt is history, planning to
        repeat it is not (C-SSRS: a prior attempt weighs with present intent)."""
        for i, part in enumerate(parts):
            if part.past and "self_harm" in self.terms.find(part.text, "self_harm", literals):
                if any(p.may_be_self_harm and _AGAIN.search(p.text) for p in parts[i + 1 :]):
                    return True
        return False

    def _benign(self, concept: str, text: str) -> bool:
        """Whether the clause says the concept's words describe the expected course."""
        if concept not in self.benign:
            return False
        benign, unless = self.benign[concept]
        return bool(benign and benign.search(text)) and not (unless and unless.search(text))

    def _semantic(
        self,
        message: str,
        whole: Clause,
        parts: list[Clause],
        now: list[Clause],
        self_harm: list[Clause],
    ) -> list[Finding]:
        units = now + self_harm
        if not units:
            return []
        matrix, as_written = unit_vectors(self.encoder, message, whole, parts, units)
        if as_written:
            self.encoder.remember(message, matrix[-1])  # search asks for it next
        positive, negative = self.examples.cosines(matrix[: len(units)])
        # Every concept on the clauses about now; self-harm also on those only it may be
        # read in (negated, conditional).
        heads = [
            (self.examples.score(positive[: len(now)], negative[: len(now)]), now),
            (self.examples.score(positive, negative, "self_harm"), units),
        ]
        t = self.thresholds
        found = []
        for near, read in heads:
            for unit, close in zip(read, near, strict=True):
                if close.positive >= t.certain or (
                    close.positive >= t.positive and close.margin >= t.margin
                ):
                    found.append(self._finding(close.concept, close.positive, unit, "near"))
        if t.model <= 1.0:
            chances = self.model.probabilities(matrix[: len(units)])
            for row, unit in enumerate(units):
                # Any concept on a clause about now; self-harm alone on the others.
                if row < len(now):
                    best = int(chances[row, : self.model.none].argmax())
                    score = 1.0 - float(chances[row, self.model.none])
                else:
                    best = self.model.self_harm
                    score = float(chances[row, best]) if best >= 0 else 0.0
                if score >= t.model:
                    found.append(self._finding(self.model.concepts[best], score, unit, "model"))
        return found

    def _finding(self, concept: str, score: float, unit: Clause, how: str) -> Finding:
        return Finding(
            self.tiers[concept],
            concept,
            "en",
            "semantic",
            round(score, 4),
            {"clause": unit.text, "by": how},
        )

    def language_of(self, message: str) -> str | None:
        """The code of the other language `message` is written in, when it is clear."""
        return detect_language(message, tuple(self.languages.languages))


@cache
def _shared(encoder: Any) -> Triage:
    return Triage(encoder, cache_dir=CACHE_DIR)


def _phrases(phrases: list[str]) -> re.Pattern[str] | None:
    """Whole phrases, any case, as one pattern (None for none)."""
    if not phrases:
        return None
    return re.compile("|".join(rf"\b{re.escape(p)}\b" for p in phrases), re.IGNORECASE)


def _english_frame(clause: str, concept: str) -> bool:
    """Whether an English clause may describe `concept` happening now."""
    framed = frame(normalise(clause))
    return framed.may_be_self_harm if concept == "self_harm" else framed.about_now


def _several(found: list[Finding]) -> bool:
    """Whether lexicons of more than one language matched (zh and yue share words)."""
    return len({f.language for f in found if f.language != "en"}) > 1


def _most_urgent(found: list[Finding], language: str | None = None) -> Finding | None:
    """Self-harm first (its reply gives both numbers), then tier A, then the best score; a
    lexicon finding carries the patient's language, which the reply keeps (`language`, the
    detected one, decides when lexicons of several languages matched)."""
    if not found:
        return None
    ranked = sorted(
        found,
        key=lambda f: (f.concept != "self_harm", f.tier != "A", f.signal != "lexicon", -f.score),
    )
    best = ranked[0]
    other = next((f.language for f in found if f.language != "en"), None)
    if language is not None and any(f.language == language for f in found):
        other = language
    if other is not None and best.language != other:
        best = Finding(best.tier, best.concept, other, best.signal, best.score, best.details)
    return best


def fit(examples: Examples, model: Classifier | None = None) -> Thresholds:
    """The semantic thresholds that catch the most catalogue examples while flagging at
    most `FIT_FALSE_ALARMS` of its must-not-trigger messages, each judged as the detector
    would judge it (its clauses about now) by the other examples (leave-one-out) and by
    the model fitted without it (out-of-fold).

    Fitted on the semantic signals alone: fitted jointly with the terms and patterns (which
    then take part of the budget) it caught fewer emergencies for fewer false alarms
    (docs/triage.md has both figures), and a missed emergency costs more.
    """
    n_pos = len(examples.positive_texts)
    near = np.full(len(examples.units), -1.0)
    gaps = np.full(len(examples.units), -1.0)
    for number, _, positive, negative in examples.leave_one_out():
        # The unit the detector would flag first: the closest to a positive.
        top = max(examples.score(positive, negative), key=lambda c: c.positive)
        near[number], gaps[number] = top.positive, top.margin
    scored = model.out_of_fold if model is not None else np.full(len(near), -1.0)
    is_pos = np.arange(len(near)) < n_pos
    # The false-alarm budget is over the negatives the semantic signal reads at all: those
    # whose frames cancel every clause are spared anyway, and counting them would loosen
    # the thresholds whenever the frames improve.
    ordinary = ~is_pos & np.array([bool(units) for units in examples.units])
    # Every pair of nearness thresholds at once (positive by margin, one row per pair): a
    # message flags by nearness, or by the "certain" nearness or the model; the count of
    # either is close + other - both, the last a product of matrices.
    positives = np.arange(0.30, 0.80, 0.01)
    margins = np.arange(-0.10, 0.15, 0.01)
    pairs = [(p, m) for p in positives for m in margins]
    close = np.array([(near >= p) & (gaps >= m) for p, m in pairs], dtype=np.float32)
    sets = {"pos": is_pos, "ord": ordinary}
    parts = {k: close[:, rows] for k, rows in sets.items()}
    counts = {k: part.sum(axis=1) for k, part in parts.items()}
    sizes = {k: max(int(rows.sum()), 1) for k, rows in sets.items()}
    found: Thresholds | None = None
    levels = [*np.arange(0.30, 1.0, 0.02)] if model is not None else []
    for level in [*levels, 1.01]:  # 1.01: the model off
        for certain in (0.75, 0.8, 0.85, 0.9, 1.01):
            other = ((near >= certain) | (scored >= level)).astype(np.float32)
            rate = {
                k: (counts[k] + other[rows].sum() - parts[k] @ other[rows]) / sizes[k]
                for k, rows in sets.items()
            }
            recall = np.where(rate["ord"] <= FIT_FALSE_ALARMS + 1e-9, rate["pos"], -1.0)
            best = int(recall.argmax())
            if recall[best] >= 0 and (found is None or recall[best] > found.recall + 1e-9):
                found = Thresholds(
                    float(pairs[best][0]),
                    float(pairs[best][1]),
                    float(certain),
                    float(level),
                    float(recall[best]),
                    float(rate["ord"][best]),
                )
    assert found is not None, "no thresholds meet the false-alarm bound"
    return found


_LINGUA: dict[str, str] = {}


@cache
def _detector(codes: tuple[str, ...]) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    packs = load_languages().languages
    wanted = {Language.ENGLISH}
    for code in codes:
        wanted.add(getattr(Language, packs[code].lingua))
        _LINGUA.setdefault(packs[code].lingua, code)
    # Low-accuracy mode (trigrams only): 12 MB and 40 ms to load instead of 110 MB and
    # 0.7 s; scripts tell most of these languages apart anyway, and a wrong guess on a
    # short message only costs the safety line in the patient's language.
    return LanguageDetectorBuilder.from_languages(*wanted).with_low_accuracy_mode().build()


_LETTERS = re.compile(r"[^\W\d_]+")
# Trigram guesses on a few words are often wrong ("recovry time?" reads as Tagalog): a
# message in Latin letters this many of whose words are English words is English. Of 805
# messages in other languages in the triage sets none reaches it (Taglish and
# unaccented Vietnamese stay below), while 52 of the 55 English ones misread do.
ENGLISH_SHARE = 2 / 3


def mostly_english(message: str) -> bool:
    """Whether `message` is in Latin letters and most of its words are English words."""
    words = [w.lower() for w in _LETTERS.findall(message)]
    if not words or not all(w.isascii() for w in words):
        return False
    known = english()
    return sum(w in known for w in words) >= ENGLISH_SHARE * len(words)


@lru_cache(maxsize=1024)  # triage and the reply both ask, one after the other
def detect_language(message: str, codes: tuple[str, ...]) -> str | None:
    """The language code (of `codes`) `message` is confidently written in; None for English
    or when unsure. Cantonese and Mandarin share a detector: Cantonese words decide."""
    letters = sum(ch.isalpha() for ch in message)
    if letters < 2 or mostly_english(message):
        return None
    detector = _detector(codes)
    values = detector.compute_language_confidence_values(message)
    if not values or values[0].language.name == "ENGLISH" or values[0].value < 0.5:
        return None
    code = _LINGUA.get(values[0].language.name)
    if code == "zh" and "yue" in codes and _CANTONESE.search(message):
        return "yue"
    return code
