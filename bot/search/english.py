"""English words and how much each says, from symspellpy's bundled frequency dictionary
(82,765 words, built from Google Books n-grams and SCOWL).

The typo repair leaves a real English word alone (`english`), and the answerability model
weighs a question's words by their rarity (`rarity`): a rare word a question names is
more likely its point than a common one.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from importlib import resources


@cache
def _counts() -> dict[str, int]:
    text = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
    with text.open(encoding="utf-8") as handle:
        pairs = (line.split(" ", 1) for line in handle)
        return {word: int(count) for word, count in pairs}


@cache
def english() -> frozenset[str]:
    """English words: a word in the dictionary is no typo, whatever the corpus holds. Its
    contractions count written without the apostrophe too ("dont", "theres")."""
    words = _counts().keys()
    return frozenset(words | {w.replace("'", "") for w in words if "'" in w})


@lru_cache(maxsize=50_000)
def rarity(word: str) -> float:
    """How much a word says, from how rare it is in English (the same dictionary): 7 minus
    its Zipf frequency (log10 per billion words), at least 0.5. "each" 1.2, "pregnant" 2.4,
    "tretinoin" (not in it) 7: a rare word a question names is more likely its point."""
    counts = _counts()
    per_billion = counts.get(word, 0) / _total() * 1e9
    return max(0.5, 7.0 - math.log10(per_billion + 1.0))


@cache
def _total() -> int:
    return sum(_counts().values())
