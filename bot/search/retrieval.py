"""Hybrid retrieval: dense cosine fused with normalised BM25 over the same chunks.

The dense side is multi-vector: a chunk's similarity mixes the cosine with its
whole-chunk vector and with its best sentence (framed by title and section), so
a question about one detail of a long passage still finds it. Only the
candidates' sentences are scored, so the cost does not grow with the corpus.

A retriever belongs to one loaded index version, so its cache of recent
searches (a patient's repeated or suggested questions) can never serve hits
from another version.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.articles.boilerplate import asks_for_reading
from bot.articles.chunking import Chunk, normalise_name
from bot.index.versions import LoadedIndex
from bot.search.definitions import defined_term, defines
from bot.search.embedder import Embedder

CANDIDATES = 50  # from each signal, before fusing
# Of the best-sentence signal, the share from sentences embedded alone (the rest from
# sentences framed by title and section); measured on tests/data/eval.jsonl.
BARE_SHARE = 0.3
# A question that names a cited source ("what does the Mayo Clinic say?") is about the
# passages citing it; this much is added to their fused score.
CITE_BONUS = 0.1
DEFINITION_BONUS = 0.05  # for a passage that defines what a "what is X?" question asks
SEARCH_CACHE = 2048  # recent searches kept per index version


@dataclass
class Hit:
    """A chunk with its fused score and the two signals behind it."""

    chunk: Chunk
    score: float
    dense: float
    lexical: float
    row: int = -1  # the chunk's position in the index


class Retriever:
    """Finds the chunks that best match a question in one loaded index."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        lexical_weight: float,
        sentence_weight: float = 0.5,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.sentence_weight = sentence_weight
        self._cached = lru_cache(maxsize=SEARCH_CACHE)(self._search)

    def embed(self, text: str) -> np.ndarray:
        """The query's vector (recent queries come from the embedder's cache)."""
        return self.embedder.encode_query(text)

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """Best `k` chunks for `query`, highest fused score first.

        BM25 is divided by the best BM25 score of the query, so both signals
        lie in [0, 1] and the weight means the same for every query.
        """
        return list(self._cached(query, k))

    def _search(self, query: str, k: int) -> tuple[Hit, ...]:
        vector = self.embed(query)
        _, dense_ids = self.index.vectors.search(vector, CANDIDATES)
        bm25 = self.index.lexical.scores(query)
        top = float(bm25.max()) if len(bm25) else 0.0
        lexical_ids = _top(bm25, CANDIDATES) if top > 0 else np.array([], dtype=np.int64)
        ids = np.unique(np.concatenate([dense_ids, lexical_ids]).astype(np.int64))
        dense = self.index.vectors.score(vector, ids)
        if self.sentence_weight > 0:
            # Link-outs and lead-ins score nothing, unless the patient asks where to read more.
            mute = not asks_for_reading(query)
            framed = self.index.sentences.best(vector, ids, mute=mute)
            bare = self.index.sentences.best(vector, ids, bare=True, mute=mute)
            best = (1 - BARE_SHARE) * framed + BARE_SHARE * bare
            dense = (1 - self.sentence_weight) * dense + self.sentence_weight * best
        lexical = bm25[ids] / top if top > 0 else np.zeros(len(ids), dtype=np.float32)
        fused = (1 - self.lexical_weight) * dense + self.lexical_weight * lexical
        fused += CITE_BONUS * self._cites_named(query, ids)
        term = defined_term(query)
        if term is not None:
            fused += DEFINITION_BONUS * self._defining(term, ids)
        order = np.argsort(-fused)[:k]
        return tuple(
            Hit(
                self.index.chunks[int(ids[i])],
                float(fused[i]),
                float(dense[i]),
                float(lexical[i]),
                int(ids[i]),
            )
            for i in order
        )

    def _cites_named(self, query: str, ids: np.ndarray) -> np.ndarray:
        """1.0 for each chunk in `ids` that cites a source the query names, else 0.0."""
        text = normalise_name(query)
        return np.array(
            [any(normalise_name(name) in text for name in self.index.chunks[i].cites) for i in ids],
            dtype=np.float32,
        )

    def _defining(self, term: str, ids: np.ndarray) -> np.ndarray:
        """1.0 for each chunk in `ids` with a sentence that defines `term`, else 0.0."""
        chunks = self.index.chunks
        return np.array(
            [any(defines(s, term) for s in chunks[i].sentences()) for i in ids], dtype=np.float32
        )

    def sentence_similarity(self, text: str, hits: list[Hit]) -> float:
        """Best cosine of `text` with one sentence (embedded alone) of the `hits`."""
        ids = np.array([h.row for h in hits], dtype=np.int64)
        best = self.index.sentences.best(self.embed(text), ids, bare=True)
        return float(best.max()) if len(best) else 0.0

    def similarity(self, text: str, chunk_ids: list[str]) -> dict[str, float]:
        """Dense cosine of `text` with the given chunks (used to vet follow-ups)."""
        rows = {c.chunk_id: i for i, c in enumerate(self.index.chunks) if c.chunk_id in chunk_ids}
        ids = np.array(list(rows.values()), dtype=np.int64)
        scores = self.index.vectors.score(self.embed(text), ids)
        return {cid: float(s) for cid, s in zip(rows, scores, strict=True)}


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the `k` highest scores, best first: linear in the corpus, not n log n."""
    if len(scores) > k:
        rows = np.argpartition(-scores, k - 1)[:k]
        return rows[np.argsort(-scores[rows], kind="stable")]
    return np.argsort(-scores, kind="stable")
