"""The red-flag catalogue: concepts with tiers, lay examples, what must not trigger them, the
fixed replies, and the lexicons and replies of other languages.

It is data a clinic's doctor reviews (`catalogue.yaml`, `languages.yaml` beside this file);
this module only reads and checks it, so a broken edit fails loudly at start-up and in the
tests instead of silently weakening triage.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

# libyaml's loader when PyYAML was built with it: the two files load in 0.1 s, not 2.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HERE = Path(__file__).parent
CATALOGUE = HERE / "catalogue.yaml"
LANGUAGES = HERE / "languages.yaml"

Tier = Literal["A", "B"]
Term = str | list[str]  # a phrase, or parts that must all appear


class Concept(BaseModel):
    """One red flag: how urgent it is, why it cannot wait, and how patients say it."""

    id: str
    tier: Tier
    title: str
    treater: str = "your surgeon"
    why: str
    sources: list[str] = Field(default_factory=list)
    # English words that signal the concept: a list's parts must all occur in one clause;
    # "a|b" in a part means either (matched at word starts, so "bleed" matches "bleeding").
    terms: list[Term] = Field(default_factory=list)
    examples: list[str] = Field(min_length=10)
    not_: list[str] = Field(default_factory=list, alias="not")
    # English phrases that, in the same clause, show its words describe the expected course
    # ("can't breathe through my nose" with splints after a rhinoplasty): they cancel the
    # concept's fixed terms and patterns there (the model still reads the clause).
    benign: list[str] = Field(default_factory=list)
    benign_unless: list[str] = Field(default_factory=list)  # … unless these are named too


class Replies(BaseModel):
    """The fixed reply sentences by tier; self-harm has its own."""

    A: str
    B: str
    self_harm: str
    english_only: str = ""

    def to(self, concept: str, tier: Tier) -> str:
        """The reply a red flag gets: self-harm its own, the others their tier's."""
        return self.self_harm if concept == "self_harm" else {"A": self.A, "B": self.B}[tier]


class Catalogue(BaseModel):
    """The English catalogue (`catalogue.yaml`)."""

    version: int = 1
    reviewed_by: str | None = ""
    reviewed_on: str | None = None
    sources: dict[str, str] = Field(default_factory=dict)
    replies: Replies
    concepts: list[Concept]
    general_negatives: list[str] = Field(default_factory=list)

    @field_validator("reviewed_on", mode="before")
    @classmethod
    def _date_text(cls, value: object) -> str | None:
        return None if value in (None, "") else str(value)

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        ids = [c.id for c in self.concepts]
        if len(set(ids)) != len(ids):
            raise ValueError("a concept id appears twice")
        unknown = {s for c in self.concepts for s in c.sources} - set(self.sources)
        if unknown:
            raise ValueError(f"concepts cite unknown sources: {sorted(unknown)}")
        if "{why}" not in self.replies.B or "{treater}" not in self.replies.B:
            raise ValueError("the tier B reply must name {treater} and say {why}")
        return self

    def concept(self, concept_id: str) -> Concept:
        """The concept with this id."""
        return next(c for c in self.concepts if c.id == concept_id)


class LanguagePack(BaseModel):
    """One language: its red-flag terms per concept, the cue words that cancel a term, and
    the replies (drafted, to be checked by an accredited translator)."""

    name: str
    lingua: str
    reviewed_by: str | None = ""
    negation: list[str] = Field(default_factory=list)
    # Bare negation words ("不", "no", "δεν"): they cancel a term only right before one of
    # its parts (or, with `negators_after`, right after it: Hindi and Punjabi).
    negators: list[str] = Field(default_factory=list)
    negators_after: bool = False
    past: list[str] = Field(default_factory=list)
    hypothetical: list[str] = Field(default_factory=list)
    general: list[str] = Field(default_factory=list)
    # Words that turn to what is happening now ("but", "now"): a cue before one does not
    # reach past it, as a clause break would not let it ("two years ago … now …").
    turns: list[str] = Field(default_factory=list)
    # Words that say the thing just named is well ("视力正常", "la vista está perfecta"):
    # right after a term's last part (`fine_before`: or right before it, Tagalog "okay
    # naman paningin ko"), in its clause, they cancel it, unless a negator stands before
    # them in the clause or right after them ("no puedo ver normal", "ठीक नहीं"), or the
    # clause asks after them (`asks`, "正常吗").
    fine: list[str] = Field(default_factory=list)
    fine_before: bool = False
    asks: list[str] = Field(default_factory=list)
    # Whole words that deny as well as `negators` do, for `fine` only (Arabic ما, لا: kept
    # out of `negators`, where they would be found at the end of other words).
    denials: list[str] = Field(default_factory=list)
    # Languages whose `fine` words a message in this one also uses (Mandarin and
    # Cantonese write many alike; a Spanish message may match an Italian term).
    frames_with: list[str] = Field(default_factory=list)
    terms: dict[str, list[Term]]
    replies: Replies


class Languages(BaseModel):
    """`languages.yaml`: every language other than English."""

    needs_review: str
    languages: dict[str, LanguagePack]


@cache
def load_catalogue(path: Path = CATALOGUE) -> Catalogue:
    """The English catalogue, checked."""
    return Catalogue.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER))


@cache
def load_languages(path: Path = LANGUAGES) -> Languages:
    """The other languages' lexicons and replies, checked against the catalogue's concepts."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    languages = Languages.model_validate(raw)
    known = {c.id for c in load_catalogue().concepts}
    for code, pack in languages.languages.items():
        unknown = set(pack.terms) - known
        if unknown:
            raise ValueError(f"languages.yaml {code}: unknown concepts {sorted(unknown)}")
    return languages


def fingerprint() -> str:
    """A digest of both files: cached vectors and eval figures are keyed by it."""
    digest = hashlib.sha256()
    for path in (CATALOGUE, LANGUAGES):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
