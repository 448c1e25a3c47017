"""The FAISS part of the index, behind a few verbs: build, search, score, save, load."""

from __future__ import annotations

import threading
from pathlib import Path

import faiss
import numpy as np

# Exact search below this many vectors: one thread scans a million in 57 ms (bench/), so
# 50,000 in about 3 ms, and exact answers are the ones `bot eval` was tuned on.
EXACT_BELOW = 50_000
# Above it, an inverted file: k-means cells, searching the NPROBE nearest cells per query.
# Measured at 1,000,000 passages (docs/performance.md): nprobe 32 of 4,000 cells gives
# recall@10 0.997 against exact search in 0.65 ms (8 gives 0.986 in 0.21 ms).
IVF_CELLS_PER_SQRT = 4  # cells = 4 * sqrt(n), so a cell holds about sqrt(n) / 4 vectors
IVF_NPROBE = 32
IVF_TRAIN_PER_CELL = 40  # k-means sample: FAISS wants at least 39 points per cell
RECALL_QUERIES = 200  # sampled at build time to record the recall the parameters give

_threads = 0  # OpenMP threads for FAISS searches; 0 leaves FAISS's default (every core)
_applied = threading.local()


class VectorIndex:
    """Inner-product search over normalised vectors (inner product = cosine).

    Exact (`flat`) for small corpora, an inverted file (`ivf`) for large ones; the
    type, its parameters and the recall they gave are in `describe()`.
    """

    def __init__(self, index: faiss.Index, recall: float | None = None) -> None:
        self._index = index
        self.recall = recall
        if isinstance(index, faiss.IndexIVF):
            index.make_direct_map()  # so `score` can look candidates up by row
            index.nprobe = IVF_NPROBE

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> VectorIndex:
        """An index of `vectors` (rows normalised); `kind` is auto, flat or ivf."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        if kind == "flat" or (kind == "auto" and n < EXACT_BELOW):
            index = faiss.IndexFlatIP(dim)
            index.add(vectors)
            return cls(index)
        cells = max(1, int(IVF_CELLS_PER_SQRT * np.sqrt(n)))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, cells, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = rng.choice(n, size=min(n, cells * IVF_TRAIN_PER_CELL), replace=False)
        ivf.train(vectors[np.sort(sample)])
        ivf.add(vectors)
        built = cls(ivf)
        built.recall = built._measure_recall(vectors, rng)
        return built

    def _measure_recall(self, vectors: np.ndarray, rng: np.random.Generator) -> float:
        """Recall@10 against exact search, for queries near (not at) stored vectors."""
        rows = rng.choice(len(vectors), size=min(RECALL_QUERIES, len(vectors)), replace=False)
        noise = rng.normal(scale=0.05, size=(len(rows), vectors.shape[1])).astype(np.float32)
        queries = vectors[rows] + noise
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        _, truth = exact.search(queries, 10)
        _, found = self._index.search(queries, 10)
        hits = sum(len(set(t) & set(f)) for t, f in zip(truth, found, strict=True))
        return round(hits / truth.size, 4)

    def describe(self) -> dict[str, object]:
        """Type and parameters of the index, and the recall@10 measured when it was built."""
        if isinstance(self._index, faiss.IndexIVF):
            params = {"cells": int(self._index.nlist), "nprobe": int(self._index.nprobe)}
            return {"type": "ivf", **params, "recall_at_10": self.recall}
        return {"type": "flat", "recall_at_10": 1.0}

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` (scores, row ids) for one query vector."""
        k = min(k, len(self))
        _apply_threads()
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


def set_threads(count: int) -> None:
    """OpenMP threads FAISS may use; one per process when each request is one query.

    OpenMP keeps the count per thread, and requests are searched on the server's
    worker threads, so each thread applies it before its first search. Left at
    every core, idle OpenMP threads spin after each search: over 31,000 passages
    that doubled the server's CPU per question (9 ms to 20 ms, docs/performance.md).
    """
    global _threads
    _threads = count
    _apply_threads()


def _apply_threads() -> None:
    if _threads and getattr(_applied, "count", 0) != _threads:
        faiss.omp_set_num_threads(_threads)
        _applied.count = _threads


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
        self.muted: np.ndarray | None = None  # rows that never score (see `mute`)

    def mute(self, mask: np.ndarray) -> None:
        """Keep these sentence rows (link-outs, lead-ins: `bot.articles.boilerplate`) out
        of every score: a chunk made of nothing else gets -1 for its best sentence, so
        it is shown only when no other passage comes near."""
        if len(mask) != self.starts[-1]:  # split otherwise when it was built: leave it be
            return
        self.muted = mask if mask.any() else None

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

    def best(
        self, query: np.ndarray, ids: np.ndarray, bare: bool = False, mute: bool = True
    ) -> np.ndarray:
        """For each chunk in `ids`, the highest cosine of `query` with one of its sentences
        (not a muted one, unless `mute` is False)."""
        rows, owner = self.rows(ids)
        out = np.full(len(ids), -1.0, dtype=np.float32)
        if len(rows):
            matrix = self.bare if bare else self.framed
            sims = matrix[rows].astype(np.float32) @ query.reshape(-1)
            if mute and self.muted is not None:
                sims[self.muted[rows]] = -1.0
            np.maximum.at(out, owner, sims)
        return out

    def save(self, path: Path) -> None:
        """Write the vectors, and which rows are muted (none, when none are)."""
        muted = self.muted if self.muted is not None else np.zeros(self.starts[-1], dtype=bool)
        with open(path, "wb") as handle:
            np.savez(handle, framed=self.framed, bare=self.bare, starts=self.starts, muted=muted)

    @classmethod
    def load(cls, path: Path) -> tuple[SentenceVectors, bool]:
        """The saved vectors, and whether their muted rows were saved with them (an index
        built before muting was known has none)."""
        with np.load(path) as data:
            vectors = cls(data["framed"], data["bare"], data["starts"])
            if "muted" in data.files:
                vectors.mute(data["muted"])
                return vectors, True
        return vectors, False
