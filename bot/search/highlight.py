"""Which sentences of a passage best match the question, to highlight them.

The widget (web/static/widget.js, `highlight`) runs the same algorithm in the
browser; a browser test checks both give the same result, so keep them in step:

1. Split the passage after `.`, `!` or `?` (and any closing quotes) followed by
   whitespace and a capital, digit or opening quote, unless the word before is an
   abbreviation ("Dr.") or an initial ("J."). Each segment keeps its trailing
   whitespace, so the segments join back into the passage.
2. A text's terms: lower-cased runs of a-z and 0-9, minus stop words, with a
   plural folded ("therapies" -> "therapy", "exosomes" -> "exosome").
3. A segment's score is how many distinct question terms it contains; the first
   two segments with the best score (if above zero) are highlighted.
4. A passage longer than LONG_CHARS shows an excerpt first (`excerpt`): the highlighted
   segments (or the first, when none is), with "… " where segments are left out, and the
   whole passage behind "Show more" — unless the excerpt holds most of it anyway.
"""

from __future__ import annotations

import re

MAX_HIGHLIGHTED = 2
LONG_CHARS = 400  # a passage longer than this opens with its best sentences
MOST = 0.75  # an excerpt holding this share of the passage shows the passage instead

STOP_WORDS = frozenset(
    "a about after again all also am an and any are as at be been before being but by can "
    "could did do does doing for from get got had has have having how i if in into is it its "
    "just me more most my no not of on or our out should so some such than that the their "
    "them then there these they this those to too up us very was we were what when where "
    "which while who why will with would you your".split()
)
ABBREVIATIONS = frozenset(
    "dr mr mrs ms prof st vs etc e.g i.e no approx fig al inc ltd pty jr sr mt assoc".split()
)

_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"([A-Za-z.]+)\Z")
_WORD = re.compile(r"[a-z0-9]+")


def sentences(text: str) -> list[str]:
    """Split `text` into sentences that join back into it exactly."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        word = _LAST_WORD.search(text[start : match.start()])
        last = word.group(1) if word else ""
        if last.lower() in ABBREVIATIONS or re.fullmatch(r"[A-Z]", last):
            continue
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> set[str]:
    """The content words of `text`, folded so that singular and plural match."""
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}


def highlight(question: str, text: str) -> list[tuple[str, bool]]:
    """`text` as (sentence, highlighted) pairs, the best matches for `question` marked.

    Example: highlight("side effects?", "It heals. Side effects are rare.")
    -> [("It heals. ", False), ("Side effects are rare.", True)]
    """
    asked = terms(question)
    pieces = sentences(text)
    scores = [len(asked & terms(piece)) for piece in pieces]
    best = max(scores, default=0)
    marked: list[tuple[str, bool]] = []
    left = MAX_HIGHLIGHTED
    for piece, score in zip(pieces, scores, strict=True):
        hit = best > 0 and score == best and left > 0
        left -= hit
        marked.append((piece, hit))
    return marked


def excerpt(question: str, text: str) -> list[tuple[str, bool]] | None:
    """The best sentences of a long passage, as `highlight` pairs; None to show it all.

    Example: for a 900-character passage whose fourth sentence answers the question,
    [("… ", False), ("<the fourth sentence> ", True), ("…", False)].
    """
    return shorten(highlight(question, text))


def shorten(marked: list[tuple[str, bool]]) -> list[tuple[str, bool]] | None:
    """`excerpt` from a passage already highlighted (its segments join back into it)."""
    length = sum(len(piece) for piece, _ in marked)
    if length <= LONG_CHARS:
        return None
    keep = [i for i, (_, hit) in enumerate(marked) if hit] or [0]
    if sum(len(marked[i][0]) for i in keep) >= MOST * length:
        return None
    shown: list[tuple[str, bool]] = []
    after = 0  # the first segment not yet accounted for
    for i in keep:
        if i > after:
            shown.append(("… ", False))
        shown.append((marked[i][0].rstrip() + " ", marked[i][1]))
        after = i + 1
    if after < len(marked):
        shown.append(("…", False))
    return shown
