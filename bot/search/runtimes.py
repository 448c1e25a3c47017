"""The two runtimes that give the model's vectors: sentence-transformers on torch (the
reference) and ONNX Runtime on the exported model (the fast path). Both mean-pool and
L2-normalise, so their vectors agree to about 1e-7 (checked by `onnx_export`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

# Up to this many texts (a re-index after one edited article) run on the one-thread session
# rather than start the multi-threaded one: starting it costs about 0.3 s.
FEW_TEXTS = 64


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

    def spans(self, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """The vector of `text` and of each character span of it, from one run: a span's
        vector mean-pools the tokens inside it (the whole text's, every token, as always).
        A span with no token (cut off by truncation) gets None in its row's place: NaN."""
        encoding = self._tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.ones_like(ids)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._single.run(None, {name: feeds[name] for name in self._inputs})[0][0]
        starts = np.asarray([s for s, _ in encoding.offsets])
        ends = np.asarray([e for _, e in encoding.offsets])
        rows = [hidden.mean(axis=0)]
        for a, b in spans:
            inside = (ends > starts) & (starts >= a) & (ends <= b)
            rows.append(hidden[inside].mean(axis=0) if inside.any() else np.full(self.dim, np.nan))
        out = np.stack(rows)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of a few questions, one run of the one-thread session.

        Each server process has one model thread, so two processes use two cores
        without oversubscribing them.
        """
        return self._run(self._single, self._tokenizer.encode_batch([t.strip() for t in texts]))

    def vocab(self) -> dict[str, int]:
        return dict(self._tokenizer.get_vocab())
