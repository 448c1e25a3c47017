"""Whether an article says a question's word in other words.

The lexical focus counts a word as covered only when the article uses it, so a
paraphrase ("fixing" for "repair", "skincare" for "skin") looks like a point the
article never makes. Each word of the index is embedded once with the bot's own model,
and a question's word is as covered as its nearest word in the answering article is
close: "fixing" → "repair" 0.80, while "pregnant" (→ "breast" 0.49) or "tretinoin"
(→ "treatment" 0.37) have no near word in an article on exosomes and stay its point.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from bot.search.embedder import Embedder
from bot.search.lexical import LexicalIndex, content_word
from bot.search.vector_cache import cached_vectors

ASKED_CACHE = 5000  # vectors of words questions used recently (7.7 MB): most recur


class WordVectors:
    """The vector of every content word of one index, and each article's words."""

    def __init__(self, lexical: LexicalIndex, embedder: Embedder, cache_dir: Path | None) -> None:
        self.lexical = lexical
        self.embedder = embedder
        words = lexical.tokens.words
        rows = [i for i, w in enumerate(words) if content_word(w)]
        self._row_of = np.full(len(words), -1, dtype=np.int64)
        self._row_of[rows] = np.arange(len(rows))
        self.vectors = cached_vectors(
            [words[i] for i in rows],
            embedder.name,
            lambda texts: embedder.encode(texts, batch_size=256),
            cache_dir,
        )
        self._articles: dict[str, np.ndarray] = {}
        self._asked: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _article_rows(self, doc_id: str) -> np.ndarray:
        found = self._articles.get(doc_id)
        if found is None:
            rows = self._row_of[self.lexical.article_word_ids(doc_id)]
            found = rows[rows >= 0]
            if len(self._articles) < 10_000:
                self._articles[doc_id] = found
        return found

    def nearest(self, query_words: list[str], doc_id: str) -> list[float]:
        """For each word, the cosine of its nearest content word in article `doc_id`."""
        rows = self._article_rows(doc_id)
        if not query_words or len(rows) == 0:
            return [0.0] * len(query_words)
        asked = self.asked(query_words)
        return [float(s) for s in (self.vectors[rows] @ asked.T).max(axis=0)]

    def asked(self, query_words: list[str]) -> np.ndarray:
        """The words' vectors: those not asked recently embedded in one run of the model."""
        with self._lock:
            found = {w: self._asked[w] for w in query_words if w in self._asked}
            for word in found:
                self._asked.move_to_end(word)
        new = [w for w in dict.fromkeys(query_words) if w not in found]
        if new:
            made = dict(zip(new, self.embedder.encode(new), strict=True))
            found.update(made)
            with self._lock:
                self._asked.update(made)
                while len(self._asked) > ASKED_CACHE:
                    self._asked.popitem(last=False)
        return np.vstack([found[w] for w in query_words])
