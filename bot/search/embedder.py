"""The sentence-transformers model that turns text into normalised vectors.

Hubs are out of reach (offline clinics, CI), so the model always loads from a
local path with HF_HUB_OFFLINE set; the default is the bundled all-MiniLM-L6-v2.

Two runtimes give the same vectors (to about 1e-7):

* ``onnx``: the model exported once, offline, from the local model to
  ``.cache/onnx/`` (``python -m bot.search.onnx_export``, run by ``make``; or on first
  load) and run by ONNX Runtime. A query takes about 3.5 ms instead of 9 ms, and
  the process never imports torch, so it starts in a second and stays small.
* ``torch``: sentence-transformers itself; the fallback when ONNX Runtime is
  missing, the model is not a plain mean-pooled encoder, or the export fails.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict
from functools import cached_property, lru_cache
from typing import Literal

import numpy as np

from bot.search.batching import Coalescer
from bot.search.onnx_export import ensure_onnx
from bot.search.runtimes import OnnxRuntime, TorchRuntime
from bot.settings import Settings

log = logging.getLogger("bot")

Backend = Literal["auto", "onnx", "torch"]
QUERY_CACHE = 4096  # recent query vectors kept (1.5 KB each)
# Most questions embedded in one run; 8 cost least per question (docs/performance.md).
QUERY_BATCH = 8


class Embedder:
    """Encodes text with one model; vectors are L2-normalised, so inner product is cosine."""

    def __init__(self, model_path: str, backend: Backend = "auto") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.name = model_path
        self._runtime: OnnxRuntime | TorchRuntime
        if backend != "torch":
            try:
                self._runtime = OnnxRuntime(ensure_onnx(model_path))
            except Exception as exc:  # any failure of the fast path falls back to the reference
                if backend == "onnx":
                    raise
                log.warning("ONNX encoder unavailable (%s); using PyTorch", exc)
                self._runtime = TorchRuntime(model_path)
        else:
            self._runtime = TorchRuntime(model_path)
        self.backend: str = self._runtime.name
        self.dim: int = self._runtime.dim
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        # Questions arriving together are embedded in one run (bot/search/batching.py).
        self._batched: Coalescer[str, np.ndarray] = Coalescer(self._runtime.queries, QUERY_BATCH)

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The model the settings name (the bundled MiniLM by default)."""
        backend: Backend = getattr(settings, "embed_backend", "auto")
        return cls.load(settings.model_path(), backend)

    @staticmethod
    @lru_cache(maxsize=4)
    def load(model_path: str, backend: Backend = "auto") -> Embedder:
        """One shared instance per model path: loading a model takes seconds."""
        return Embedder(model_path, backend)

    def encode(self, texts: list[str], progress: bool = False, batch_size: int = 32) -> np.ndarray:
        """Vectors for `texts`, float32, one row each."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # A text is embedded once however often it occurs (repeated sentences, boilerplate).
        unique = list(dict.fromkeys(texts))
        vectors = np.asarray(self._runtime.encode(unique, batch_size, progress), dtype=np.float32)
        if len(unique) < len(texts):
            row = {text: i for i, text in enumerate(unique)}
            vectors = vectors[[row[t] for t in texts]]
        return vectors.reshape(len(texts), self.dim)

    def encode_query(self, text: str) -> np.ndarray:
        """The vector of one query, from a small LRU cache when it was asked recently.

        The returned array is shared: read-only, so a caller cannot spoil the cache.
        """
        with self._lock:
            hit = self._queries.get(text)
            if hit is not None:
                self._queries.move_to_end(text)
                return hit
        return self._remember(text, self._batched(text))

    def encode_spans(self, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """The vector of `text`, then one per character span of it (its clauses, say).

        On ONNX Runtime one run of the model gives them all (a span pools its own tokens);
        otherwise, and for a span the model's length limit cut off, each is embedded alone.
        """
        if not spans or not hasattr(self._runtime, "spans"):
            return self.encode([text] + [text[a:b] for a, b in spans])
        vectors = self._runtime.spans(text, spans)
        missing = [i for i in range(1, len(vectors)) if np.isnan(vectors[i, 0])]
        if missing:
            alone = self.encode([text[slice(*spans[i - 1])] for i in missing])
            vectors[missing] = alone
        return vectors

    def forget(self) -> None:
        """Empty the query cache (benchmarks measure a question as if never asked)."""
        with self._lock:
            self._queries.clear()

    def remember(self, text: str, vector: np.ndarray) -> None:
        """Keep a vector computed elsewhere for `text` (triage's), for `encode_query`."""
        self._remember(text, np.array(vector, dtype=np.float32))

    def prime(self, texts: list[str]) -> None:
        """Embed `texts` in batches now, so `encode_query` finds them cached.

        For a known list of questions (the quality gate's eval): batches on every
        core cost a fraction of one run per question.
        """
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._queries]
        for text, vector in zip(missing, self.encode(missing), strict=True):
            self._remember(text, vector)

    def _remember(self, text: str, vector: np.ndarray) -> np.ndarray:
        """Keep `vector` (made read-only) as the newest entry of the query cache."""
        vector.setflags(write=False)
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    @cached_property
    def known_words(self) -> frozenset[str]:
        """Whole words in the model's vocabulary: real English, so never "corrected"."""
        vocab = self._runtime.vocab()
        return frozenset(w for w in vocab if w.isalpha() and not w.startswith("##"))


def set_threads(count: int) -> None:
    """Intra-op threads for torch, when it is in use (ONNX sessions set their own), and
    for numpy's BLAS (triage compares a clause with some 2,800 examples).

    On two shared cores one thread per process is fastest for single queries:
    two threads wait on each other whenever the other core is busy. BLAS starts its
    threads only above a size, which the doubled triage catalogue crossed: with the
    other core busy, that product took 30 ms on two threads and 0.8 ms on one.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count, user_api="blas")  # process-wide, until set again
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(count)
