"""The curation as a server holds it: pinned questions as vectors, hidden passage ids.

Built from the store every time its version changes (`bot.web.app` polls it every
`BOT_RELOAD_SECONDS`); a reply only reads it, so it is swapped whole, never edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class PinnedAnswer:
    pin_id: int
    question: str
    chunk_ids: tuple[str, ...]


@dataclass(frozen=True)
class CuratedView:
    """Pins and hidden passages at one version of the curation."""

    version: int = 0
    pins: tuple[PinnedAnswer, ...] = ()
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    owners: tuple[int, ...] = ()  # the pin (index into `pins`) of each vector's question
    hidden: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls, version: int, pins: list[Any], hidden: list[str], encoder: Encoder
    ) -> CuratedView:
        """`pins` as stored (`question`, `variants`, `chunk_ids`); every question embedded."""
        answers = tuple(PinnedAnswer(p.id, p.question, tuple(p.chunk_ids)) for p in pins)
        texts = [q for p in pins for q in (p.question, *p.variants)]
        owners = tuple(n for n, p in enumerate(pins) for _ in (p.question, *p.variants))
        vectors = np.asarray(encoder.encode(texts), dtype=np.float32) if texts else cls().vectors
        return cls(version, answers, vectors, owners, frozenset(hidden))

    def match(self, vector: np.ndarray, floor: float) -> tuple[PinnedAnswer, float] | None:
        """The pin whose question (or variant) is closest to `vector`, if at least `floor`."""
        if not self.pins:
            return None
        cosines = self.vectors @ np.asarray(vector, dtype=np.float32)
        best = int(cosines.argmax())
        if float(cosines[best]) < floor:
            return None
        return self.pins[self.owners[best]], float(cosines[best])
