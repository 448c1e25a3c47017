"""The FAISS part at 1,000,000 passages: exact search against the inverted file.

A million real passages would take hours to embed on two cores, so the vectors are
synthetic but shaped like real ones: each is a real MedQuAD chunk or sentence vector
plus Gaussian noise (cosine about 0.9 to its source), renormalised, so they keep the
clusters and anisotropy of real embeddings that approximate search depends on (uniform
random vectors would make any index look bad). Queries are real MedQuAD questions.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bench.common import CACHE, percentiles
from bot.search.vectors import VectorIndex

NOISE = 0.025  # per dimension: |noise| is about 0.49, cosine to the source about 0.9


def synthetic(base: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, count, step):
        n = min(step, count - start)
        rows = base[rng.integers(0, len(base), n)]
        block = rows + rng.normal(scale=NOISE, size=rows.shape).astype(np.float32)
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def base_vectors(index_dir: Path) -> np.ndarray:
    """Real vectors of an index: its chunks and its framed sentences."""
    version = (index_dir / "CURRENT").read_text().strip()
    folder = index_dir / "versions" / version
    flat = faiss.read_index(str(folder / "vectors.faiss"))
    chunks = flat.reconstruct_n(0, flat.ntotal)
    with np.load(folder / "sentences.npz") as data:
        framed = data["framed"].astype(np.float32)
    return np.concatenate([chunks, framed])


def _search_ms(index: Any, queries: np.ndarray, k: int = 10) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for q in queries:
        start = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - start) * 1000)
        found.append(ids[0])
    return times, np.array(found)


def recall(truth: np.ndarray, found: np.ndarray) -> float:
    return round(
        sum(len(set(t) & set(f)) for t, f in zip(truth, found, strict=True)) / truth.size, 4
    )


def run(
    base: np.ndarray, queries: np.ndarray, count: int, nprobes: list[int]
) -> list[dict[str, Any]]:
    faiss.omp_set_num_threads(1)  # one query per request, one thread per process
    vectors = synthetic(base, count)
    rows: list[dict[str, Any]] = []
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    times, truth = _search_ms(exact, queries[:200])
    rows.append({"type": "flat", "search_ms": percentiles(times), "recall_at_10": 1.0,
                 "index_mb": round(vectors.nbytes / 2**20)})  # fmt: skip
    # Ground truth for all queries, in one batched (multi-threaded) pass.
    faiss.omp_set_num_threads(2)
    _, truth = exact.search(queries, 10)
    faiss.omp_set_num_threads(1)
    del exact
    path = CACHE / "ann" / f"ivf-{count}.faiss"
    start = time.perf_counter()
    if path.exists():
        index = VectorIndex.load(path)
        build_s = None
    else:
        faiss.omp_set_num_threads(2)
        index = VectorIndex.build(vectors, kind="ivf")
        faiss.omp_set_num_threads(1)
        build_s = round(time.perf_counter() - start, 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        index.save(path)
    size_mb = round(path.stat().st_size / 2**20)
    raw = index._index  # noqa: SLF001  # the bench sweeps nprobe directly
    for nprobe in nprobes:
        raw.nprobe = nprobe
        times, found = _search_ms(raw, queries)
        rows.append({
            "type": "ivf", **index.describe(), "nprobe": nprobe, "search_ms": percentiles(times),
            "recall_at_10": recall(truth, found), "index_mb": size_mb, "build_s": build_s,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        })  # fmt: skip
    return rows
