"""Red-flag terms in the patient's language, matched after folding away what people leave
out when they type fast: accents (Vietnamese without its marks), Arabic short vowels and
letter variants, width and case.

The embedding model is English-only, so other languages rely on these lexicons
(`languages.yaml`). A term is cancelled by a negation cue just before it in the same
clause ("没有发烧", "no tengo fiebre") and by a past, hypothetical or general-knowledge cue
anywhere in that clause; self-harm is never cancelled by negation, which is how people
say it ("I don't want to live").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from bot.replies.triage.catalogue import LanguagePack, Languages, Term
from bot.replies.triage.literals import Compiled, LiteralIndex

_ARABIC_MARKS = re.compile(r"[\u064B-\u0652\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
)
# Clause breaks in the scripts of the ten languages.
_OTHER_BREAKS = r"!?;\n。！？；，、،؛؟।॥…"
_BREAK_CHARS = rf".,{_OTHER_BREAKS}"
# Not at a decimal point or comma ("38.9", "38,9").
_BREAKS = re.compile(rf"(?:(?<!\d)[.,]|[.,](?!\d)|[{_OTHER_BREAKS}])+")
# A word that does not run into the next clause: a bare negator cancels a part in its own
# clause only ("ਸਮਝ ਨਹੀਂ ਰਹੀ, ਬਹਿਕੀਆਂ ਗੱਲਾਂ": the second clause is not negated).
_WORD = rf"[^\s{_BREAK_CHARS}]"
_SPACED = re.compile(r"[a-z\u0370-\u03ff]")  # Latin and Greek: terms may be stems
# Scripts that put spaces between words, for negation words (Arabic, Devanagari and
# Gurmukhi too: there a negator is a word of its own, not the end of another word).
_WORDED = re.compile(r"[a-z\u0370-\u03ff\u0600-\u06ff\u0900-\u097f\u0a00-\u0a7f]")
# A word start: no letter of the same script just before ("打完botox" still matches "botox").
_LATIN_START = r"(?<![a-z0-9])"
_GREEK_START = r"(?<![\u0370-\u03ff])"
# Laughter, in the ten languages' ways of typing it: "jaja", "哈哈", "χαχα", "ههههه"
# (no Arabic word has three h's in a row), "笑到" and "من الضحك" (laughing so much that).
_LAUGH = re.compile(
    r"(?<![\w])(?:ha(?:ha)+|he(?:he)+|ja(?:ja)+|je(?:je)+|xa(?:xa)+|χα(?:χα)+|lol|lmao|kkk+)(?![\w])"
    r"|哈哈|呵呵|笑死|笑到|😂|🤣|😆|😅|ههه|خخخ|من الضحك|من كتر الضحك|من كثر الضحك"
)
# Characters before a term in which a negation cue cancels it: about three words, or (in
# scripts without spaces) four characters ("没有发烧").
NEGATION_WINDOW = 20
# Characters after a term's last part in which a word saying it is well stands: about three
# words ("η όρασή μου είναι μια χαρά") or a few characters ("呼吸吞咽都没问题").
FINE_WINDOW = 24
_QUESTION_MARKS = "?？؟"
_NEXT = re.compile(rf"\s+({_WORD}+)")
_PROCLITIC = r"(?:[وف](?=[\u0600-\u06ff]))?"
_UNTIL_BREAK = re.compile(rf"[^{_BREAK_CHARS}]*([{_BREAK_CHARS}])")


@lru_cache(maxsize=8192)  # the lexicons repeat their context words in many terms
def fold(text: str) -> str:
    """Case, width, accents and Arabic marks folded, so typed variants compare equal."""
    text = _cased(text)
    decomposed = unicodedata.normalize("NFD", text)
    # Strip combining accents from Latin and Greek letters only: in Devanagari, Gurmukhi
    # and Arabic the combining marks are part of the letters.
    out: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and out and _SPACED.match(out[-1]):
            continue
        out.append(char)
    text = unicodedata.normalize("NFC", "".join(out)).replace("đ", "d")
    return re.sub(r"\s+", " ", text)


@lru_cache(maxsize=8192)
def accented(text: str) -> str:
    """`fold` but keeping accents: for the few words whose accents are their meaning
    (Vietnamese "tự tử", suicide, folds to "từ từ", slowly). Same length as `fold(text)`
    for precomposed letters, so a span found in one stands at the same place in the other."""
    text = unicodedata.normalize("NFC", _cased(text))
    return re.sub(r"\s+", " ", text)


def _cased(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)


@cache
def _part(text: str) -> re.Pattern[str]:
    """One part of a term; "a|b" means either. Spaced scripts match at a word start
    (stems may end mid-word: "respir" matches "respirar"). A part written "=…" keeps its
    accents, to be matched in the message as typed."""
    if text.startswith("="):
        words = [re.escape(a.strip()) for a in accented(text[1:]).split("|") if a.strip()]
        return re.compile("|".join(rf"(?<![\w]){w}" for w in words))
    alternatives = []
    for alternative in fold(text).split("|"):
        folded = re.escape(alternative.strip())
        if folded:
            start = "" if not _SPACED.match(folded[:1]) else _LATIN_START
            if "\u0370" <= folded[:1] <= "\u03ff":
                start = _GREEK_START
            alternatives.append(start + folded)
    return re.compile("|".join(alternatives))


class Terms:
    """One language's terms by concept, compiled once; `find` says which occur in a text."""

    def __init__(self, terms: dict[str, list[Term]]) -> None:
        self.compiled = [
            Compiled(
                concept,
                tuple(_part(p) for p in parts),
                tuple(
                    tuple(a.strip() for a in fold(p.removeprefix("=")).split("|") if a.strip())
                    for p in parts
                ),
                tuple(p.startswith("=") for p in parts),
            )
            for concept, concept_terms in terms.items()
            for t in concept_terms
            for parts in [[t] if isinstance(t, str) else t]
            if all(parts)
        ]
        self.index = LiteralIndex(self.compiled)
        # Whether any part is written "=…": only then is a message's accented form needed.
        self.accented = any(any(t.exact) for t in self.compiled)

    def find(self, text: str, only: str | None = None, within: set[str] | None = None) -> list[str]:
        """The concepts (or only `only`) with a term whose parts all occur in `text`
        (`within`: the literals of a text that holds this one, found once for all its
        clauses)."""
        folded = fold(text)
        accents = _aligned(text, folded) if self.accented else None
        return list(
            dict.fromkeys(
                term.concept
                for term in self.index.candidates(folded, within)
                if (only is None or term.concept == only)
                and term.spans(folded, accents) is not None
            )
        )


@dataclass(frozen=True)
class Hit:
    """A lexicon match: which language and concept."""

    language: str
    concept: str


class Lexicon:
    """Every language's terms, compiled once."""

    def __init__(self, languages: Languages) -> None:
        self.packs: dict[str, LanguagePack] = languages.languages
        self._terms: dict[str, LiteralIndex] = {}
        self._cues: dict[str, dict[str, re.Pattern[str] | None]] = {}
        self._negators: dict[str, _Negators | None] = {}
        self._after: dict[str, bool] = {}
        self._turns: dict[str, re.Pattern[str] | None] = {}
        own: dict[str, _Frames] = {}
        for code, pack in self.packs.items():
            own[code] = _Frames(
                _words(pack.fine),
                pack.fine_before,
                _words(pack.asks),
                _words(pack.negators + pack.denials),
            )
            self._terms[code] = Terms(pack.terms).index
            self._cues[code] = {
                name: _alternation(getattr(pack, name))
                for name in ("negation", "past", "hypothetical", "general")
            }
            self._negators[code] = _negators(pack.negators)
            self._after[code] = pack.negators_after
            self._turns[code] = _words(pack.turns)
        self._frames = {
            code: (own[code], *(own[c] for c in pack.frames_with if c in own))
            for code, pack in self.packs.items()
        }
        # Every language's literals in one index: one pass over a message finds them all.
        self._literals = LiteralIndex([t for index in self._terms.values() for t in index.terms])

    def find(self, message: str, keep: Callable[[str, str], bool] | None = None) -> list[Hit]:
        """Concepts whose terms occur in `message` uncancelled, in every language.

        A term's parts may sit in different clauses ("打完玻尿酸，眼睛看不清"); a cue
        cancels it inside the clause where the term's last part stands. `keep(clause,
        concept)`, when given, may cancel it too, in the clause of any of its parts (English
        frames, for words shared with English such as "vision" or "suicid").
        """
        found: list[Hit] = []
        text = fold(message)
        accents: str | None = None  # the message with its accents, made when a term needs it
        bounds = [0] + [m.end() for m in _BREAKS.finditer(text)] + [len(text) + 1]
        present = self._literals.present(text)
        for code, index in self._terms.items():
            candidates = index.candidates(text, present)
            if not candidates:
                continue
            cues = self._cues[code]
            turns = self._turns[code]
            clauses = bounds
            if turns is not None:
                clauses = sorted({*bounds, *(m.start() for m in turns.finditer(text))})
            for term in candidates:
                if accents is None and any(term.exact):
                    accents = _aligned(message, text) or ""  # "": not aligned, no match
                spans = term.spans(text, accents)
                if spans is None:
                    continue
                clause = _clause_at(text, clauses, max(spans))
                if term.concept != "self_harm":
                    if _LAUGH.search(clause) or any(
                        cue is not None and cue.search(clause)
                        for name, cue in cues.items()
                        if name != "negation"
                    ):
                        continue
                wide = self._own_negations(code, term, text, spans)
                if term.concept != "self_harm" and (
                    wide is None
                    or self._said_well(code, text, clauses, spans)
                    or self._supposed(code, text, clauses, max(spans))
                ):
                    continue
                last = max(spans)
                # Self-harm is said with negations ("不想活了"), so its terms carry their
                # own; a negation right before one ("我不想伤害自己") is a denial.
                negation = None if term.concept == "self_harm" else cues["negation"]
                # A part that holds its own negation ("مش قادر", "can't") never negates
                # the term's other parts: each part is checked with the others blanked
                # (with the word after one that starts with a negator: "no veo nada").
                wide = wide or spans
                if any(
                    self._negated(code, _blank(text, wide, w), span, negation, span == last)
                    for span, w in zip(spans, wide, strict=True)
                ):
                    continue
                if keep is not None and not all(
                    keep(_clause_at(text, clauses, span), term.concept) for span in spans
                ):
                    continue
                found.append(Hit(code, term.concept))
        return list(dict.fromkeys(found))

    def _said_well(
        self, code: str, text: str, clauses: list[int], spans: list[tuple[int, int]]
    ) -> bool:
        """Whether a term is said to be well right by it ("视力正常", "la vista está perfecta")."""
        return any(self._well(code, frames, text, clauses, spans) for frames in self._frames[code])

    def _well(
        self,
        code: str,
        frames: _Frames,
        text: str,
        clauses: list[int],
        spans: list[tuple[int, int]],
    ) -> bool:
        if frames.fine is None:
            return False
        last = max(spans)
        start, end = _clause_bounds(clauses, last)
        after = frames.fine.search(text, last[1], min(end, last[1] + FINE_WINDOW))
        if after is not None and self._stated(code, frames, text, start, after, end):
            return True
        if not frames.fine_before:
            return False
        return any(
            self._stated(code, frames, text, start, m, end)
            for m in frames.fine.finditer(text, max(start, last[0] - FINE_WINDOW), last[0])
        )

    def _stated(
        self, code: str, frames: _Frames, text: str, start: int, fine: re.Match[str], end: int
    ) -> bool:
        """Whether a word saying "well" states it: nothing before it in its clause denies
        ("no puedo tragar normal", "不正常"), no negator right after it does ("ठीक नहीं"), and
        it is not asked ("正常吗"). A negation after it says something else is absent too
        ("نظري تمام ومافي تغبيش": my sight is fine and there is no blurring)."""
        clause = text[start : fine.start()]
        negation = self._cues[code]["negation"]
        if (frames.denials is not None and frames.denials.search(clause)) or (
            negation is not None and negation.search(clause)
        ):
            return False
        return not self._denied_after(code, text, fine) and not _asked(frames, text, fine, end)

    def _own_negations(
        self, code: str, term: Compiled, text: str, spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]] | None:
        """The parts' spans, one that starts with a negator ("no veo", I can't see) taking
        the word after it ("no veo nada"); None when that word is another of the part's own
        alternatives, which the negator then denies ("no veo borroso": I do not see blurred)."""
        negators = self._negators.get(code)
        wide = []
        for part, (start, end) in zip(term.parts, spans, strict=True):
            after = _NEXT.match(text, end) if negators and negators[2].match(text, start) else None
            if after is not None and part.match(text, after.start(1)):
                return None
            wide.append((start, after.end() if after else end))
        return wide

    def _supposed(self, code: str, text: str, clauses: list[int], span: tuple[int, int]) -> bool:
        """Whether a question follows a clause that supposes ("万一吸脂后腿肿了，是不是血栓？"):
        it asks what the supposed thing would be, as "if…, what do I do?" does in English."""
        supposing = self._cues[code]["hypothetical"]
        start, end = _clause_bounds(clauses, span)
        if supposing is None or start == 0 or text[end - 1 : end] not in _QUESTION_MARKS:
            return False
        before = _clause_at(text, clauses, (start - 1, start))
        return bool(supposing.search(before))

    def _denied_after(self, code: str, text: str, match: re.Match[str]) -> bool:
        negators = self._negators.get(code)
        return (
            negators is not None
            and self._after.get(code, False)
            and bool(negators[1].search(text[match.start() : match.end() + 25]))
        )

    def _negated(
        self,
        code: str,
        text: str,
        span: tuple[int, int],
        negation: re.Pattern[str] | None,
        last: bool,
    ) -> bool:
        """Whether a negation stands right before a part (or, for some languages, right
        after the last one)."""
        start, end = span
        spaced = _WORDED.match(text[start : start + 1]) is not None
        if spaced:  # a part may start inside its word (Arabic "بتوجعها" holds "توجعها")
            while start > 0 and text[start - 1].isalpha():
                start -= 1
        window = NEGATION_WINDOW if spaced else 4
        before = text[max(0, start - window) : start]
        if negation is not None and negation.search(before):
            return True
        negators = self._negators.get(code)
        if negators is None:
            return False
        near, far, _ = negators
        if near.search(text[max(0, start - 40) : start]):
            return True
        return last and self._after.get(code, False) and bool(far.search(text[end : end + 25]))


@dataclass(frozen=True)
class _Frames:
    """One language's words that say a thing named is well (see `LanguagePack.fine`)."""

    fine: re.Pattern[str] | None
    fine_before: bool
    asks: re.Pattern[str] | None
    denials: re.Pattern[str] | None  # its bare negators, anywhere


def _asked(frames: _Frames, text: str, match: re.Match[str], end: int) -> bool:
    """Whether the rest of a phrase's clause (up to `end` at most) asks about it: it ends in
    a question mark, or holds a question word ("正常吗", "bình thường không", "okay lang ba")."""
    rest = text[match.end() : end]
    clause = _UNTIL_BREAK.match(rest)
    if clause is not None:
        if clause.group(1) in _QUESTION_MARKS:
            return True
        rest = clause.group(0)
    return frames.asks is not None and frames.asks.search(rest) is not None


def _blank(text: str, spans: list[tuple[int, int]], keep: tuple[int, int]) -> str:
    """`text` with every span but `keep` replaced by spaces (offsets unchanged)."""
    for start, end in spans:
        if (start, end) != keep:
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def _clause_bounds(bounds: list[int], span: tuple[int, int]) -> tuple[int, int]:
    """Where the clause a span stands in starts and ends (`bounds`: where clauses start)."""
    return max(b for b in bounds if b <= span[0]), min(b for b in bounds if b > span[1] - 1)


def _clause_at(text: str, bounds: list[int], span: tuple[int, int]) -> str:
    """The clause of `text` a span stands in."""
    start, end = _clause_bounds(bounds, span)
    return text[start:end]


def _aligned(message: str, folded: str) -> str | None:
    """The message with its accents, when it lines up letter for letter with `folded`."""
    kept = accented(message)
    return kept if len(kept) == len(folded) else None


_Negators = tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]


def _negators(words: list[str]) -> _Negators | None:
    """Bare negation words as three patterns: one that must end right before a part (the
    last two characters in scripts without spaces; the previous two words otherwise), one
    for the two words right after it, and one for a part that starts with one ("no veo")."""
    folded = sorted({fold(w).strip() for w in words if w.strip()}, key=len, reverse=True)
    if not folded:
        return None
    spaced = [re.escape(w) for w in folded if _WORDED.match(w[:1]) or " " in w]
    unspaced = [re.escape(w) for w in folded if not (_WORDED.match(w[:1]) or " " in w)]
    near = []
    if spaced:
        # An Arabic word may carry "and" or "so" in front: "ومش بارزة", "ولا أزرق".
        near.append(rf"(?<![\w]){_PROCLITIC}(?:{'|'.join(spaced)})(?:\s+{_WORD}+)?\s+$")
    if unspaced:
        near.append(rf"(?:{'|'.join(unspaced)}).?$")
    # After the rest of the part's word: a part may end mid-word, and the end of that word
    # is not a negator (romanised "nigal" + "na" in "nigalna", an infinitive).
    far = rf"^{_WORD}*\s+(?:{_WORD}+\s+)?(?:{'|'.join(re.escape(w) for w in folded)})(?![\w])"
    leading = rf"(?:{'|'.join(spaced) or '(?!)'})\s"
    return re.compile("|".join(near)), re.compile(far), re.compile(leading)


def _words(words: list[str]) -> re.Pattern[str] | None:
    """Whole words, in any script: in one with spaces a word must stand alone ("بس", not
    the start of "بسبب"); in Chinese, anywhere."""
    patterns = []
    for word in sorted({fold(w).strip() for w in words if w.strip()}, key=len, reverse=True):
        escaped = re.escape(word)
        spaced = _WORDED.match(word[:1]) is not None
        patterns.append(rf"(?<![\w]){escaped}(?![\w])" if spaced else escaped)
    return re.compile("|".join(patterns)) if patterns else None


def _alternation(words: list[Term]) -> re.Pattern[str] | None:
    """Cue words as one pattern. In spaced scripts a short cue (three letters or fewer:
    "si", "se", "αν", "if") must be a whole word, or it would match inside others
    ("siento", "sento"); longer ones may be stems."""
    patterns = []
    for word in (w for w in words if isinstance(w, str) and w.strip()):
        folded = fold(word).strip()
        pattern = _part(word).pattern
        if _SPACED.match(folded[:1]) and len(folded) <= 3:
            pattern = rf"(?<![\w]){re.escape(folded)}(?![\w])"
        patterns.append(pattern)
    return re.compile("|".join(patterns)) if patterns else None
