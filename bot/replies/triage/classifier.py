"""A linear model over the catalogue's clause vectors: the second semantic signal.

Nearness to the three closest examples (`semantic.py`) judges a clause by a few sentences;
a multinomial logistic regression over all of them (every concept, and "none" for the
clauses of the must-not-trigger messages) learns which directions of the embedding space
tell an emergency from an ordinary message, so it also catches phrasings far from any one
example. It is fitted on the catalogue when the catalogue loads (about two seconds, then
cached with the vectors), and its out-of-fold scores let the detector's threshold be fitted
alongside the nearness thresholds on messages the model did not learn from.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from bot.replies.triage.semantic import NEIGHBOURS, Examples

log = logging.getLogger("bot")

FOLDS = 5  # out-of-fold scores for the threshold fit: each message scored by a model without it
STRENGTH = 3.0  # inverse regularisation (sklearn's C); 1 and 10 caught fewer catalogue examples
VERSION = "classifier-v2"  # bump when the training rows or the model change


class Classifier:
    """P(concept) for a clause vector, and each catalogue message's out-of-fold score."""

    def __init__(self, examples: Examples, cache_dir: Path | None = None) -> None:
        self.concepts = examples.concepts
        self.none = len(self.concepts)
        self.self_harm = self.concepts.index("self_harm") if "self_harm" in self.concepts else -1
        # Keyed by what the training rows are made from, so a start with the model cached
        # skips the pass over the catalogue that makes them.
        path = cache_dir / f"{_digest(examples)}.npz" if cache_dir else None
        stored = _load(path)
        if stored is None:
            rows, labels, groups = training_rows(examples)
            stored = _fit(rows, labels, groups, len(examples.units), self.none + 1)
            _save(path, stored)
        self.coef, self.intercept, self.out_of_fold = stored

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One row per vector: the probability of each concept, then of "none"."""
        return _softmax(vectors @ self.coef.T + self.intercept)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Each row's logits as probabilities."""
    odds = np.exp(logits - logits.max(axis=1, keepdims=True))
    return odds / odds.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def training_rows(examples: Examples) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectors, labels and message numbers to learn from. An example's clause that is not
    the emergency ("had filler this morning") must not teach the concept, so a positive
    message gives its whole and the one clause nearest its concept's other examples; every
    clause of a must-not-trigger message is "none"."""
    none = len(examples.concepts)
    index = {c: i for i, c in enumerate(examples.concepts)}
    rows: list[np.ndarray] = []
    labels: list[int] = []
    groups: list[int] = []
    n_pos = len(examples.positive_texts)
    for number, vectors, positive, negative in examples.leave_one_out():
        if number < n_pos:
            concept = examples.labels[number]
            own = examples.score(positive, negative, concept)
            chosen = sorted({0, int(np.argmax([c.positive for c in own]))})
            label = index[concept]
        else:
            chosen, label = list(range(len(vectors))), none
        for k in chosen:
            rows.append(vectors[k])
            labels.append(label)
            groups.append(number)
    dim = examples.positive.shape[1]
    return (
        np.array(rows, dtype=np.float32).reshape(-1, dim),
        np.array(labels, dtype=np.int64),
        np.array(groups, dtype=np.int64),
    )


def _fit(
    rows: np.ndarray, labels: np.ndarray, groups: np.ndarray, messages: int, classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model on every row, and each message's out-of-fold score (its clauses' highest
    probability of any concept, by a model fitted without that message; -1 without clauses)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    def model() -> LogisticRegression:
        return LogisticRegression(C=STRENGTH, max_iter=3000)

    def full(fitted: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients for every class, also one a fold happened not to see."""
        coef = np.zeros((classes, rows.shape[1]), dtype=np.float32)
        intercept = np.full(classes, -1e4, dtype=np.float32)
        coef[fitted.classes_] = fitted.coef_
        intercept[fitted.classes_] = fitted.intercept_
        return coef, intercept

    out_of_fold = np.full(messages, -1.0)
    for train, test in GroupKFold(FOLDS).split(rows, labels, groups):
        coef, intercept = full(model().fit(rows[train], labels[train]))
        concept = 1.0 - _softmax(rows[test] @ coef.T + intercept)[:, -1]
        np.maximum.at(out_of_fold, groups[test], concept)
    coef, intercept = full(model().fit(rows, labels))
    return coef, intercept, out_of_fold


def _digest(examples: Examples) -> str:
    """The cache key: the version, how many neighbours nearness averages (the training rows
    depend on it), the catalogue's vectors and labels, and its messages' clause counts."""
    digest = hashlib.sha256(f"{VERSION}\x00{NEIGHBOURS}\x00".encode())
    for array in (examples.unit_vectors, examples.positive, examples.negative):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\x00".join(examples.labels).encode())
    digest.update(np.array([len(u) for u in examples.units], dtype=np.int64).tobytes())
    return "model-" + digest.hexdigest()[:20]


def _load(path: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path) as stored:
            return stored["coef"], stored["intercept"], stored["out_of_fold"]
    except (OSError, ValueError, KeyError) as exc:
        log.warning("triage model cache unreadable (%s); fitting again", exc)
        return None


def _save(path: Path | None, fitted: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        coef, intercept, out_of_fold = fitted
        np.savez(tmp, coef=coef, intercept=intercept, out_of_fold=out_of_fold)
        tmp.replace(path)
    except OSError as exc:  # a read-only checkout still triages, it just fits each start
        log.warning("triage model not cached (%s)", exc)
