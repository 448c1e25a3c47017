"""Cutting an English message into clauses and reading each clause's frame.

A red flag is judged clause by clause, so a long message cannot dilute it ("had my lips
done tuesday, love them, but the top lip has gone white"), and a cue that cancels one
clause ("no fever") does not cancel the next ("but the wound has opened"). The cues follow
NegEx (Chapman et al., 2001): a clause that negates, tells of the past, supposes, or asks
for general knowledge does not describe something happening now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.replies.triage import cues

# Emoji and shorthand people type when frightened, as words the model knows.
_EMOJI = {
    "🩸": " blood ",
    "🆘": " help emergency ",
    "😵‍💫": " dizzy ",
    "😵": " dizzy faint ",
    "🤮": " vomiting ",
    "🤢": " nauseous ",
    "🥵": " fever hot ",
    "🤒": " fever ",
    "💊": " pills ",
    "🔪": " knife ",
    "🫁": " lungs breathing ",
    "👁": " eye ",
    "💔": " heartbroken ",
}
_SHORTHAND = [
    (r"\bcant\b", "can't"),
    (r"\bcnt\b", "can't"),
    (r"\bwont\b", "won't"),
    (r"\bdont\b", "don't"),
    (r"\bim\b", "i'm"),
    (r"\bive\b", "i've"),
    (r"\bu\b", "you"),
    (r"\bpls\b|\bplz\b", "please"),
    (r"\bkms\b", "kill myself"),
    (r"\bunalive\b", "kill"),
    (r"\bsh\b", "self harm"),
]
_SHORTHAND_RE = [(re.compile(p), r) for p, r in _SHORTHAND]

# Where one clause ends and the next begins.
_BREAKS = re.compile(
    r"[.!?;\n]+|,\s+|\s+[-–—]\s+|\b(?:but|however|although|though|except|whereas|and now|and then"
    r"|now|then|since then|but now)\b"
    # "and" before a new subject starts a new clause: "i overdosed last year and i want to
    # do it again" (the past cue must not reach the second clause).
    r"|\band (?=(?:i|i'm|im|i've|my|me|she|she's|he|he's|it|it's|they|they're|there's|today"
    r"|tonight|this|suddenly|all of a sudden)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Clause:
    """One clause of a message and what frames it."""

    text: str
    span: tuple[int, int] = (0, 0)  # where it stands in the normalised message
    negated: bool = False
    past: bool = False
    hypothetical: bool = False  # a question about what might happen
    general: bool = False
    conditional: bool = False
    figurative: bool = False  # laughing
    idiom: bool = False
    denial: bool = False  # "not feeling suicidal"
    mild: bool = False  # played down: "just a bit itchy"

    @property
    def about_now(self) -> bool:
        """Whether the clause may describe something happening to someone now."""
        return not (
            self.negated
            or self.past
            or self.hypothetical
            or self.general
            or self.conditional
            or self.figurative
            or self.idiom
            or self.mild
        )

    @property
    def may_be_self_harm(self) -> bool:
        """Self-harm is said with negations ("I don't want to be here"), conditions ("if
        this isn't fixed I'll end it") and even a laugh; only a past, supposing or general
        frame cancels it."""
        return not (self.past or self.general or self.hypothetical or self.idiom or self.denial)


def normalise(message: str) -> str:
    """Emoji as words, curly apostrophes straight, common chat shorthand expanded."""
    text = message
    for emoji, words in _EMOJI.items():
        text = text.replace(emoji, words)
    text = re.sub(r"[’‘ʼ`´]", "'", text.casefold())
    for pattern, replacement in _SHORTHAND_RE:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def frame(text: str, span: tuple[int, int] = (0, 0)) -> Clause:
    """The clause with its cues read (`span`: where it stands in its message)."""
    general = bool(
        cues.GENERAL.search(text) or cues.DEFINITION.search(text) or cues.IMPERSONAL.search(text)
    ) and not cues.NOW.search(text)
    story = bool(cues.STORY.search(text)) and _told(text) and not cues.PRESENT.search(text)
    return Clause(
        text,
        span,
        negated=bool(cues.NEGATION.search(text)),
        past=bool(cues.PAST.search(text)) or story,
        hypothetical=bool(cues.SUPPOSE.search(text)),
        general=general,
        conditional=bool(cues.CONDITION.search(cues.ASKING_ABOUT_NOW.sub(" ", text))),
        figurative=bool(cues.LAUGH.search(text)),
        idiom=bool(cues.IDIOM.search(text)),
        denial=bool(cues.DENIAL.search(text)),
        mild=bool(cues.MILD.search(text)) and not cues.ALARM.search(text),
    )


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clause spans of text[start:end], stripped of spaces and commas."""
    while start < end and text[start] in " ,":
        start += 1
    while end > start and text[end - 1] in " ,":
        end -= 1
    piece = text[start:end]
    if len(piece) < 3:
        return []
    if " and " in piece and cues.NEGATION.search(piece):  # "no fever and my lip is white"
        spans, at = [], start
        for part in piece.split(" and "):
            spans += [s for s in _pieces(text, at, at + len(part)) if s[1] - s[0] >= 3]
            at += len(part) + len(" and ")
        return spans
    return [(start, end)]


def split(text: str) -> list[tuple[int, int]]:
    """Where the clauses of a normalised message stand; a negated clause is also split at
    "and"."""
    spans: list[tuple[int, int]] = []
    at = 0
    for brk in _BREAKS.finditer(text):
        spans += _pieces(text, at, brk.start())
        at = brk.end()
    return spans + _pieces(text, at, len(text))


def _impersonal_only(text: str) -> bool:
    """Whether the clause is general only because it asks with nobody in it."""
    return not (cues.GENERAL.search(text) or cues.DEFINITION.search(text) or cues.NOW.search(text))


def _told(text: str) -> bool:
    """Whether the clause tells something in the past tense."""
    return bool(cues.TOLD.search(text) or cues.TOLD_THEN.search(text))


def _joined(before: Clause, after: Clause) -> Clause:
    """A clause joined by "and" to the one before stays in that one's frame: "if my tox
    spreads and I can't swallow" supposes both, "had an epidural once and I fainted" tells
    both; a present marker ends a past frame, "now" any frame. Negation does not carry
    ("no fever and my lip is white"); a past frame carries only to a clause told in the
    past tense."""
    if cues.NOW.search(after.text):
        return after
    told_now = bool(cues.PRESENT.search(after.text) or cues.TOLD_NOW.search(after.text))
    return _in_frame_of(before, after, negated=False, past=_told(after.text) and not told_now)


def _in_frame_of(before: Clause, after: Clause, *, negated: bool, past: bool) -> Clause:
    """`after` with the supposing, conditional and general frames of `before` added, and
    its negation and past frame when `negated` and `past` say they carry."""
    return replace(
        after,
        negated=after.negated or (negated and before.negated),
        past=after.past or (past and before.past),
        conditional=after.conditional or before.conditional,
        hypothetical=after.hypothetical or before.hypothetical,
        general=after.general or before.general,
    )


def clauses(message: str) -> tuple[Clause, list[Clause]]:
    """The whole message (framed as one clause) and its clauses, each framed; each knows
    where it stands in the normalised message. A story that the message says is over
    makes every clause without a present marker ("now", "still", "can't") past; a question
    planning for a procedure to come makes the clauses told in the past tense past."""
    text = normalise(message)
    whole = frame(text, (0, len(text)))
    parts = [frame(text[a:b], (a, b)) for a, b in split(text)]
    if cues.OVER.search(text):
        parts = [
            p
            if cues.PRESENT.search(p.text) and not cues.OVER.search(p.text)
            else replace(p, past=True)
            for p in parts
        ]
        whole = replace(whole, past=True)
    for i in range(1, len(parts)):
        before = parts[i - 1]
        if (before.conditional or before.hypothetical) and cues.WHAT_TO_DO.search(parts[i].text):
            parts[i] = replace(parts[i], hypothetical=True)
        if text[before.span[1] : parts[i].span[0]].strip(" ,") == "and":
            parts[i] = _joined(before, parts[i])
        if cues.NO_ANSWER.fullmatch(parts[i].text):  # "any swelling in my calf? nope"
            parts[i - 1] = replace(before, negated=True)
        elif cues.EXAMPLE.search(parts[i].text):
            parts[i] = _in_frame_of(before, parts[i], negated=True, past=True)
    # A question asked with nobody in it is general only when what follows it names nobody
    # either: "is chest pain normal after filler?? mine started 10 min ago" asks about hers.
    parts = [
        replace(p, general=False)
        if p.general and _impersonal_only(p.text) and not cues.IMPERSONAL.search(text[p.span[0] :])
        else p
        for p in parts
    ]
    if cues.PLANNING.search(text):
        parts = [
            replace(p, general=True)
            if cues.PLANNING.search(p.text)
            else replace(p, past=True)
            if cues.TOLD.search(p.text) and not cues.PRESENT.search(p.text)
            else p
            for p in parts
        ]
        whole = replace(whole, general=True)
    return whole, parts
