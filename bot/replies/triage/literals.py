"""Which of a lexicon's many terms could occur in a text, found from one pass over it: a
substring test is a hundred times cheaper than a term's patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters that are not at a word start (Latin and Greek terms match only at one).
_INSIDE_WORD = re.compile(r"(?<=[a-z0-9])[a-z]|(?<=[\u0370-\u03ff])[\u0370-\u03ff]")


@dataclass(frozen=True)
class Compiled:
    concept: str
    parts: tuple[re.Pattern[str], ...]
    # Each part's alternatives as plain text: a part can only match when one occurs, and
    # a substring test is a hundred times cheaper than the pattern (thousands of terms).
    literals: tuple[tuple[str, ...], ...] = ()
    # Parts written "=…": matched in the message with its accents (`accented`).
    exact: tuple[bool, ...] = ()

    def spans(self, text: str, accents: str | None) -> list[tuple[int, int]] | None:
        """Where each part stands, when every part occurs (`text` folded; `accents`: the
        message with its accents, None when it does not line up with `text`)."""
        found = []
        for part, exact in zip(self.parts, self.exact or [False] * len(self.parts), strict=True):
            source = accents if exact else text
            match = part.search(source) if source is not None else None
            if match is None:
                return None
            found.append((match.start(), match.end()))
        return found

    def may_match(self, present: set[str]) -> bool:
        """Whether every part has an alternative among the literals `present` in a text."""
        return all(any(word in present for word in words) for words in self.literals)


class LiteralIndex:
    """Which of many terms could occur in a text, from one pass over it.

    Every alternative of every part is a literal; a text's literals are found by looking,
    at each position, only at the literals that begin with the two characters there (all
    literals matching at one position are prefixes of the longest, so none is missed).
    Only terms whose every part has a present literal go on to their patterns.
    """

    def __init__(self, terms: list[Compiled]) -> None:
        self.terms = terms
        literals = {word for term in terms for words in term.literals for word in words}
        self._by_start: dict[str, list[str]] = {}
        for word in sorted(literals, key=len, reverse=True):
            self._by_start.setdefault(word[:2], []).append(word)
        self._first: dict[str, list[int]] = {}
        for n, term in enumerate(terms):
            for word in term.literals[0]:
                self._first.setdefault(word, []).append(n)

    def present(self, text: str) -> set[str]:
        """The literals occurring in `text` (folded). A Latin or Greek literal only counts
        at a word start (as its pattern does), so positions inside such words are skipped:
        in an English message that is most of them."""
        found: set[str] = set()
        inside = {m.start() for m in _INSIDE_WORD.finditer(text)}
        for at in range(len(text)):
            if at in inside:
                continue
            for key in (text[at : at + 2], text[at]):
                for word in self._by_start.get(key, ()):
                    if text.startswith(word, at):
                        found.add(word)
        return found

    def candidates(self, text: str, present: set[str] | None = None) -> list[Compiled]:
        """The terms that may match `text`, in their order (`present`: its literals, when
        a larger index already found them)."""
        present = self.present(text) if present is None else present
        rows = sorted({n for word in present for n in self._first.get(word, ())})
        return [self.terms[n] for n in rows if self.terms[n].may_match(present)]
