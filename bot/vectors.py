"""The FAISS part of the index, behind a few verbs: build, search, score, save, load."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    """Exact inner-product search over normalised vectors (inner product = cosine)."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` (scores, row ids) for one query vector."""
        k = min(k, len(self))
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors at `ids` (to reuse them in the next build)."""
        return np.asarray(self._index.reconstruct_batch(ids.astype(np.int64)), dtype=np.float32)

    def score(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosine of `query` with the stored vectors at `ids`."""
        if len(ids) == 0:
            return np.zeros(0, dtype=np.float32)
        stored = self._index.reconstruct_batch(ids.astype(np.int64))
        return np.asarray(stored @ query.reshape(-1), dtype=np.float32)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        return cls(faiss.read_index(str(path)))


class SentenceVectors:
    """Per-sentence vectors of every chunk, for multi-vector scoring and the aspect check.

    Sentences of one chunk are stored contiguously; `starts[i]:starts[i + 1]` are the
    rows of chunk `i`. Two views are kept: `framed` (sentence with title and section
    path, for ranking) and `bare` (the sentence alone, for the aspect check, where the
    article's topic must not lend every sentence the same similarity). Both are
    float16 on disk and in memory: only a candidate's few rows are ever scored.
    """

    def __init__(self, framed: np.ndarray, bare: np.ndarray, starts: np.ndarray) -> None:
        self.framed = framed
        self.bare = bare
        self.starts = starts

    @classmethod
    def build(cls, framed: np.ndarray, bare: np.ndarray, counts: list[int]) -> SentenceVectors:
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(framed.astype(np.float16), bare.astype(np.float16), starts)

    def rows(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sentence rows of the chunks `ids`, and for each row its position in `ids`."""
        spans = [np.arange(self.starts[i], self.starts[i + 1]) for i in ids]
        if not spans:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        owner = np.repeat(np.arange(len(ids)), [len(s) for s in spans])
        return np.concatenate(spans), owner

    def best(self, query: np.ndarray, ids: np.ndarray, bare: bool = False) -> np.ndarray:
        """For each chunk in `ids`, the highest cosine of `query` with one of its sentences."""
        rows, owner = self.rows(ids)
        out = np.full(len(ids), -1.0, dtype=np.float32)
        if len(rows):
            matrix = self.bare if bare else self.framed
            sims = matrix[rows].astype(np.float32) @ query.reshape(-1)
            np.maximum.at(out, owner, sims)
        return out

    def save(self, path: Path) -> None:
        with open(path, "wb") as handle:
            np.savez(handle, framed=self.framed, bare=self.bare, starts=self.starts)

    @classmethod
    def load(cls, path: Path) -> SentenceVectors:
        with np.load(path) as data:
            return cls(data["framed"], data["bare"], data["starts"])
