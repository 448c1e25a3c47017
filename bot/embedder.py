"""The sentence-transformers model that turns text into normalised vectors.

Hubs are out of reach (offline clinics, CI), so the model always loads from a
local path with HF_HUB_OFFLINE set; the default is the bundled all-MiniLM-L6-v2.
"""

from __future__ import annotations

import os
from functools import cached_property, lru_cache

import numpy as np

from bot.settings import Settings


class Embedder:
    """Encodes text with one model; vectors are L2-normalised, so inner product is cosine."""

    def __init__(self, model_path: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise in server logs

        self.name = model_path
        self.model = SentenceTransformer(model_path, device="cpu")
        dim = self.model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"model {model_path} does not report an embedding dimension")
        self.dim: int = dim

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The model the settings name (the bundled MiniLM by default)."""
        return cls.load(settings.model_path())

    @staticmethod
    @lru_cache(maxsize=2)
    def load(model_path: str) -> Embedder:
        """One shared instance per model path: loading a model takes seconds."""
        return Embedder(model_path)

    def encode(self, texts: list[str], progress: bool = False, batch_size: int = 32) -> np.ndarray:
        """Vectors for `texts`, float32, one row each."""
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    @cached_property
    def known_words(self) -> frozenset[str]:
        """Whole words in the model's vocabulary: real English, so never "corrected"."""
        vocab = self.model.tokenizer.get_vocab()
        return frozenset(w for w in vocab if w.isalpha() and not w.startswith("##"))
