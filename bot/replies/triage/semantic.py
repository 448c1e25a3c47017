"""Clauses scored against the catalogue's examples with the embedding model the bot already
loads: how close a clause is to each concept's examples, and to what must not trigger.

A clause is compared with every example (a few thousand dot products: about 0.1 ms), so a
phrasing no pattern foresaw still lands near the examples that mean the same. The
examples' vectors are computed once per catalogue and model and cached on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.replies.triage.catalogue import Catalogue
from bot.replies.triage.clauses import Clause, clauses, split
from bot.search.vector_cache import cached_vectors


class Encoder(Protocol):
    """What triage needs of the embedder."""

    name: str
    dim: int

    def encode(self, texts: list[str], progress: bool = False, batch_size: int = 32) -> np.ndarray:
        """Normalised vectors, one row per text."""
        ...

    def encode_spans(self, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """The vector of `text`, then one per character span of it."""
        ...

    def remember(self, text: str, vector: np.ndarray) -> None:
        """Keep a vector for `text` in the query cache."""
        ...


NEIGHBOURS = 3  # closest examples averaged on each side


def _top_mean(sims: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Per row, the mean of the `k` largest values (fewer when there are fewer columns)."""
    k = min(k, sims.shape[1])
    if k == 0:
        return np.full(sims.shape[0], -1.0)
    top: np.ndarray = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return top.mean(axis=1)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Closeness:
    """How close one clause is to the catalogue: the nearest concept and the nearest
    example that must not trigger."""

    concept: str
    positive: float  # cosine to the nearest example of `concept`
    negative: float  # cosine to the nearest must-not-trigger example

    @property
    def margin(self) -> float:
        return self.positive - self.negative


class Examples:
    """The catalogue's examples as vectors: positives (by concept) and the must-not-trigger
    examples that describe something now (a negated or general one is cancelled by its
    frame before it is ever compared, so it is no reference for what to spare)."""

    def __init__(self, catalogue: Catalogue, encoder: Encoder, cache_dir: Path | None) -> None:
        self.positive_texts = [e for c in catalogue.concepts for e in c.examples]
        self.labels = [c.id for c in catalogue.concepts for _ in c.examples]
        negatives = [n for c in catalogue.concepts for n in c.not_]
        negatives += catalogue.general_negatives
        self.all_negative_texts = negatives
        self.negative_texts = [n for n in negatives if clauses(n)[0].about_now]
        self.concepts = [c.id for c in catalogue.concepts]
        # Each example's clauses that describe something now: what the detector compares,
        # embedded as the detector embeds them (one run of the whole message).
        messages = self.positive_texts + self.all_negative_texts
        framed = [clauses(text) for text in messages]
        self.units = [[u.text for u in now_units(w, parts)] for w, parts in framed]
        texts = self.positive_texts + self.negative_texts
        vectors = _cached_vectors(texts, encoder, cache_dir)
        self.positive = vectors[: len(self.positive_texts)]
        self.negative = vectors[len(self.positive_texts) :]
        self.unit_vectors = _cached_units(messages, framed, encoder, cache_dir)
        # Each concept's examples are contiguous: a row of column numbers per concept,
        # padded to the longest, so all concepts are scored in one array operation.
        longest = max(len(c.examples) for c in catalogue.concepts)
        self._pad_index = np.zeros((len(catalogue.concepts), longest), dtype=np.int64)
        self._pad_mask = np.zeros((len(catalogue.concepts), longest), dtype=bool)
        for row, concept in enumerate(catalogue.concepts):
            start = self.labels.index(concept.id)
            count = len(concept.examples)
            self._pad_index[row, :count] = np.arange(start, start + count)
            self._pad_mask[row, :count] = True

    def leave_one_out(self) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """Each catalogue message with clauses about now: its number (positives first),
        its clauses' vectors, and their cosines to every positive and negative example
        with the message itself left out, so it is judged only by the others."""
        n_pos = len(self.positive_texts)
        neg_index = {t: i for i, t in enumerate(self.negative_texts)}
        row = 0
        for number, units in enumerate(self.units):
            vectors = self.unit_vectors[row : row + len(units)]
            row += len(units)
            if not units:
                continue
            positive, negative = self.cosines(vectors)
            if number < n_pos:
                positive[:, number] = -1.0
            else:
                own = neg_index.get(self.all_negative_texts[number - n_pos])
                if own is not None:
                    negative[:, own] = -1.0
            yield number, vectors, positive, negative

    def cosines(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosines of each row to every positive and every negative example (inner
        product equals cosine on normalised vectors)."""
        return vectors @ self.positive.T, vectors @ self.negative.T

    def closeness(self, vectors: np.ndarray, only: str | None = None) -> list[Closeness]:
        """For each row of `vectors`, the nearest concept (or only `only`) and the nearest
        must-not-trigger examples, each as the mean cosine of its `NEIGHBOURS` closest
        examples: one stray example close by proves less than several."""
        if len(vectors) == 0:
            return []
        return self.score(*self.cosines(vectors), only)

    def score(
        self, positive: np.ndarray, negative: np.ndarray, only: str | None = None
    ) -> list[Closeness]:
        """`closeness` from the cosines to every positive and negative example."""
        if len(positive) == 0:
            return []
        # Each concept's examples side by side, padded with -1 to the longest concept.
        grid = np.where(self._pad_mask, positive[:, self._pad_index], -1.0)
        k = min(NEIGHBOURS, grid.shape[2])
        by_concept = np.partition(grid, grid.shape[2] - k, axis=2)[:, :, -k:].mean(axis=2)
        if only is not None:
            keep = self.concepts.index(only)
            by_concept[:, [i for i in range(len(self.concepts)) if i != keep]] = -1.0
        best = by_concept.argmax(axis=1)
        near_negative = _top_mean(negative) if negative.shape[1] else np.full(len(best), -1.0)
        return [
            Closeness(self.concepts[c], float(by_concept[r, c]), float(near_negative[r]))
            for r, c in enumerate(best)
        ]


def _cached_units(
    messages: list[str],
    framed: list[tuple[Clause, list[Clause]]],
    encoder: Encoder,
    cache_dir: Path | None,
) -> np.ndarray:
    """The examples' unit vectors (`unit_vectors` of each), cached like the examples' and
    keyed by the units themselves (a change to how clauses are cut is a new key)."""
    key = [
        "\x01".join(["units-v3", m, *(u.text for u in now_units(w, parts))])
        for m, (w, parts) in zip(messages, framed, strict=True)
    ]

    def embed(_: list[str]) -> np.ndarray:
        rows = []
        for (whole, parts), message in zip(framed, messages, strict=True):
            units = now_units(whole, parts)
            if units:
                rows.append(unit_vectors(encoder, message, whole, parts, units)[0][: len(units)])
        return np.vstack(rows) if rows else np.zeros((0, encoder.dim), dtype=np.float32)

    return _cached_vectors(key, encoder, cache_dir, embed)


def _cached_vectors(
    texts: list[str],
    encoder: Encoder,
    cache_dir: Path | None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> np.ndarray:
    """The examples' vectors, from `cache_dir` when this model already embedded these texts."""
    if embed is None:
        return cached_vectors(
            texts, encoder.name, lambda t: encoder.encode(t, batch_size=64), cache_dir
        )
    return cached_vectors(texts, encoder.name, embed, cache_dir, one_per_text=False)


def unit_vectors(
    encoder: Encoder, message: str, whole: Clause, parts: list[Clause], units: list[Clause]
) -> tuple[np.ndarray, bool]:
    """A vector per unit, from one run of the model over the message where the encoder can
    (each clause pools its own tokens); then the whole message's vector. The second value
    says whether the run was over `message` as written (so its vector is the one search
    asks for next): the model is uncased, so clauses found in `message.lower()` line up
    with those of the normalised text unless shorthand changed where clauses break."""
    text, where = whole.text, {u.span: u.span for u in [whole, *parts]}
    lowered = message.lower()
    if len(lowered) == len(message):
        raw = split(lowered)
        if len(raw) == len(parts):
            text = message
            where = {whole.span: (0, len(message))} | {
                p.span: r for p, r in zip(parts, raw, strict=True)
            }
    vectors = encoder.encode_spans(text, [where[u.span] for u in units])
    return np.asarray(vectors[[*range(1, len(vectors)), 0]]), text is message


def all_units(whole: Clause, parts: list[Clause]) -> list[Clause]:
    """What is compared: each clause, and the whole message as well when every clause of
    it describes something now (a whole with a cancelled clause in it would bring the
    cancelled words back)."""
    if len(parts) <= 1:
        return parts or [whole]
    if all(p.about_now for p in parts):
        return [whole, *parts]
    return [replace(whole, negated=True), *parts]


def now_units(whole: Clause, parts: list[Clause]) -> list[Clause]:
    """The units that describe something happening now."""
    return [u for u in all_units(whole, parts) if u.about_now]
