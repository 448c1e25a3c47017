"""Vectors kept on disk per model: read back when the same texts come again, embedded
again when the file is spoiled or the texts change."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.search.vector_cache import cached_vectors


def test_vectors_are_read_back_and_embedded_again_when_spoiled(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.ones((len(texts), 4), dtype=np.float32) * len(calls)

    first = cached_vectors(["a", "b"], "model", embed, tmp_path)
    again = cached_vectors(["a", "b"], "model", embed, tmp_path)
    assert len(calls) == 1 and np.array_equal(first, again)
    cached_vectors(["a", "c"], "model", embed, tmp_path)  # other texts: embedded
    cached_vectors(["a", "b"], "other model", embed, tmp_path)  # another model: embedded
    assert len(calls) == 3
    for path in tmp_path.glob("*.npy"):
        path.write_bytes(b"not a numpy file")
    assert cached_vectors(["a", "b"], "model", embed, tmp_path).shape == (2, 4)
    assert len(calls) == 4


def test_without_a_cache_folder_it_still_embeds() -> None:
    vectors = cached_vectors(["a"], "model", lambda t: np.zeros((len(t), 2)), None)
    assert vectors.dtype == np.float32 and vectors.shape == (1, 2)
