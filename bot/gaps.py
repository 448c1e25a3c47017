"""Content gaps: unanswered and unhelpful questions grouped by meaning, largest groups first.

Questions are embedded with the same model as the articles. The question with the most
close neighbours (cosine at least `BOT_GAP_SIMILARITY`) leads a group and takes them;
then the next, among those left (the greedy "community detection" of
sentence-transformers, which keeps each group tight around its leader).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.querylog import Question

Encode = Callable[[list[str]], np.ndarray]


@dataclass
class Gap:
    """Questions about one missing topic; `label` is the most typical of them."""

    label: str
    questions: list[Question] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.questions)

    @property
    def unanswered(self) -> int:
        return sum(q.kind == "no_answer" for q in self.questions)

    @property
    def unhelpful(self) -> int:
        return sum(q.helpful is False for q in self.questions)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def find_gaps(questions: Sequence[Question], encode: Encode, threshold: float) -> list[Gap]:
    """Group questions (newest first) by similarity; the largest group comes first."""
    by_text: dict[str, list[Question]] = {}
    for question in questions:
        by_text.setdefault(_normal(question.message), []).append(question)
    if not by_text:
        return []
    texts = list(by_text)
    vectors = encode(texts)
    close = (vectors @ vectors.T) >= threshold  # normalised vectors: inner product is cosine
    weight = np.array([len(by_text[t]) for t in texts])
    # Stable sort: among equals, the text asked most recently leads.
    order = np.argsort(-(close.astype(np.int64) @ weight), kind="stable")
    taken = np.zeros(len(texts), dtype=bool)
    gaps = []
    for leader in order:
        if taken[leader]:
            continue
        members = np.flatnonzero(close[leader] & ~taken)
        taken[members] = True
        grouped = [q for m in members for q in by_text[texts[m]]]
        grouped.sort(key=lambda q: (q.at, q.id), reverse=True)
        gaps.append(Gap(by_text[texts[leader]][0].message, grouped))
    gaps.sort(key=lambda g: (g.size, g.questions[0].at), reverse=True)  # then most recent
    return gaps


class CachedEncoder:
    """Embeds texts, remembering recent ones: the same questions come back on every visit."""

    def __init__(self, encode: Encode, size: int = 20_000) -> None:
        self._encode = encode
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if text in self._cache:
                    found[text] = self._cache[text]
                    self._cache.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, self._encode(missing), strict=True))
            with self._lock:
                self._cache.update((t, found[t]) for t in missing)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])
