"""Fitting the answerability model on its training questions (`bot eval --fit-answerability`).

Each training question is searched as a patient's would be; an answerable one counts only
when its evidence is among the passages that could be shown (one retrieval misses is no
lesson about answering). Triage is not asked: whether the passages answer a question does not
depend on it, and a change to the triage must not change this model.
"""

from __future__ import annotations

from pathlib import Path

from bot.quality.evaluation import Case, _norm, load_cases
from bot.replies import answerability
from bot.replies.answerer import Answerer


def rows(answerer: Answerer, cases: list[Case]) -> tuple[list[dict[str, float]], list[bool]]:
    """The features of each usable training question, and whether it is answerable."""
    found: list[dict[str, float]] = []
    labels: list[bool] = []
    top = answerer.settings.max_passages
    answerer.retriever.embedder.prime([answerer.query_of(c.question) for c in cases])
    for case in cases:
        if case.type == "urgent":
            continue
        query = answerer.query_of(case.question)
        hits = answerer.visible(answerer.retriever.search(query), answerer.curation)
        if not hits:
            continue
        if case.type == "answer":
            wanted = [_norm(e) for e in case.evidence]
            if not any(w in _norm(h.chunk.text) for h in hits[:top] for w in wanted):
                continue
        found.append(answerer.features(hits, query))
        labels.append(case.type == "answer")
    return found, labels


def refit(answerer: Answerer, path: Path = answerability.TRAINING_FILE) -> answerability.Model:
    """Fit the model on the training questions and write it where the answerer reads it."""
    features, labels = rows(answerer, load_cases(path))
    model = answerability.fit(features, labels)
    model.save()
    return model
