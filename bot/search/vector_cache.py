"""Vectors of fixed texts, kept on disk per model: the triage catalogue's examples and an
index's words are embedded once, not at every start of a server."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def cached_vectors(
    texts: list[str],
    model: str,
    embed: Callable[[list[str]], np.ndarray],
    cache_dir: Path | None,
    one_per_text: bool = True,
) -> np.ndarray:
    """`embed(texts)`, from `cache_dir` when model `model` already embedded these texts
    (`one_per_text`: whether `embed` gives one row per text, checked on what is read)."""
    digest = hashlib.sha256(model.encode())
    for text in texts:
        digest.update(text.encode() + b"\x00")
    path = cache_dir / f"{digest.hexdigest()[:20]}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            stored = np.load(path)
            if not one_per_text or stored.shape[0] == len(texts):
                return np.asarray(stored, dtype=np.float32)
        except (OSError, ValueError) as exc:
            log.warning("vectors cache %s unreadable (%s); embedding again", path, exc)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError as exc:  # a read-only checkout still works: it embeds at each start
            log.warning("vectors not cached in %s (%s)", cache_dir, exc)
    return vectors
