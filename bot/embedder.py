"""The sentence-transformers model that turns text into normalised vectors.

Hubs are out of reach (offline clinics, CI), so the model always loads from a
local path with HF_HUB_OFFLINE set; the default is the bundled all-MiniLM-L6-v2.

Two runtimes give the same vectors (to about 1e-7):

* ``onnx``: the model exported once, offline, from the local model to
  ``.cache/onnx/`` (``python -m bot.onnx_export``, run by ``make``; or on first
  load) and run by ONNX Runtime. A query takes about 3.5 ms instead of 9 ms, and
  the process never imports torch, so it starts in a second and stays small.
* ``torch``: sentence-transformers itself; the fallback when ONNX Runtime is
  missing, the model is not a plain mean-pooled encoder, or the export fails.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections import OrderedDict
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from bot.batching import Coalescer
from bot.onnx_export import ensure_onnx
from bot.settings import Settings

log = logging.getLogger("bot")

Backend = Literal["auto", "onnx", "torch"]
QUERY_CACHE = 4096  # recent query vectors kept (1.5 KB each)
# Most questions embedded in one run; 8 cost least per question (docs/performance.md).
QUERY_BATCH = 8
# Up to this many texts (a re-index after one edited article) run on the one-thread session
# rather than start the multi-threaded one: starting it costs about 0.3 s.
FEW_TEXTS = 64


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
        # Questions arriving together are embedded in one run (bot/batching.py).
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
    """Intra-op threads for torch, when it is in use (ONNX sessions set their own).

    On two shared cores one thread per process is fastest for single queries:
    two threads wait on each other whenever the other core is busy.
    """
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(count)


class TorchRuntime:
    """sentence-transformers on PyTorch: the reference runtime, and the fallback."""

    name = "torch"

    def __init__(self, model_path: str) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise in server logs
        self.model = SentenceTransformer(model_path, device="cpu")
        dim = self.model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"model {model_path} does not report an embedding dimension")
        self.dim: int = dim

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        return np.asarray(
            self.model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        )

    def queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of a few questions, one batch, on the request's own thread."""
        return self.encode(texts, len(texts), False)

    def vocab(self) -> dict[str, int]:
        return dict(self.model.tokenizer.get_vocab())


class OnnxRuntime:
    """The exported encoder on ONNX Runtime: tokenise, run, mean-pool, normalise.

    Single queries run on one thread (no hand-off cost, no fight for the other
    core); batches, as in an index build, use a second session with a thread per core.
    """

    name = "onnx"

    def __init__(self, folder: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self._ort = onnxruntime
        meta = json.loads((folder / "meta.json").read_text())
        self.dim = int(meta["dim"])
        self._model = str(folder / "model.onnx")
        self._inputs: list[str] = meta["inputs"]
        self._tokenizer = Tokenizer.from_file(meta["tokenizer"])
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(meta["max_seq_length"]))
        self._single = self._session(1)
        self._batch: Any = None

    def _session(self, threads: int) -> Any:
        options = self._ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return self._ort.InferenceSession(self._model, options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([t.strip() for t in texts])
        if len(texts) == 1:
            return self._run(self._single, encodings)
        session = self._single
        if len(texts) > FEW_TEXTS:  # worth starting (once) a session with a thread per core
            if self._batch is None:
                self._batch = self._session(os.cpu_count() or 1)
            session = self._batch
        # Longest first, as sentence-transformers does: batches of like length pad little.
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches", unit="batch")
        for start in starts:
            rows = order[start : start + batch_size]
            out[rows] = self._run(session, [encodings[i] for i in rows])
        return out

    def _run(self, session: Any, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, {name: feeds[name] for name in self._inputs})[0]
        summed = np.einsum("bsd,bs->bd", hidden, mask.astype(np.float32))
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of a few questions, one run of the one-thread session.

        Each server process has one model thread, so two processes use two cores
        without oversubscribing them.
        """
        return self._run(self._single, self._tokenizer.encode_batch([t.strip() for t in texts]))

    def vocab(self) -> dict[str, int]:
        return dict(self._tokenizer.get_vocab())
