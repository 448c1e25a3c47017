"""Whether the best passages answer a question, or only share its topic.

A question on the articles' topic scores high on the topic alone ("is exosome therapy safe
while pregnant?" finds the safety passage), so the score of the best passage is no answer
to whether the point is covered. Four signals together say more, combined by a logistic
regression fitted on questions written for it (`answerability_training.jsonl`: answerable
ones with the article's evidence, and near-topic and off-topic ones it does not answer;
never the evaluation sets):

- `score`: the best passage's fused score;
- `share`: the share of the question's own words the answering article never uses;
- `point`: the same share weighted by how much each word says (its rarity in English),
  counting a word as covered also when the article has a near word for it
  (`bot/search/synonyms.py`): what is left is the question's point, uncovered;
- `sentence`: how close the question is to the best single sentence of the passages.

`bot eval --fit-answerability` fits it again (after the training set or a signal
changes) and writes `answerability.json`; the answerer reads that file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = ("score", "share", "point", "sentence")
MODEL_FILE = Path(__file__).with_name("answerability.json")
TRAINING_FILE = Path(__file__).with_name("answerability_training.jsonl")
# A question's word is covered by an article word at least this close (cosine); measured
# on word pairs of the training set's questions ("fixing" ~ "repair" 0.80, "skincare" ~
# "skin" 0.72; "pregnant" ~ "breast" 0.49, "eczema" ~ "cream" 0.48).
SYNONYM = 0.6
# The share of answerable training questions the fitted threshold must keep answering (out
# of fold): declining what the articles do answer sends a patient away with nothing.
KEEP_ANSWERED = 0.9
STRENGTH = 1.0  # inverse regularisation (sklearn's C)


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression over `FEATURES` and the probability that answers."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    cases: int = 0  # training questions it was fitted on
    measured: dict[str, float] | None = None  # its out-of-fold figures on them

    def probability(self, features: dict[str, float]) -> float:
        """The chance that the passages answer the question these features describe."""
        z = self.intercept + sum(c * features[f] for c, f in zip(self.coef, FEATURES, strict=True))
        return float(1.0 / (1.0 + np.exp(-z)))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(
                f"{path} was fitted on other features; run bot eval --fit-answerability"
            )
        return cls(
            tuple(data["coef"]),
            data["intercept"],
            data["threshold"],
            data["cases"],
            data["measured"],
        )

    def save(self, path: Path = MODEL_FILE) -> None:
        data: dict[str, Any] = {"features": list(FEATURES), **asdict(self)}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def fit(rows: list[dict[str, float]], answerable: list[bool], folds: int = 5) -> Model:
    """The regression on all rows, with the highest threshold that still answers
    `KEEP_ANSWERED` of the answerable questions out of fold (each judged by a model fitted
    without it), so the figures it reports are of questions it did not learn from."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    x = np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float64)
    y = np.array(answerable, dtype=bool)
    model = LogisticRegression(C=STRENGTH, max_iter=5000)
    split = StratifiedKFold(folds, shuffle=True, random_state=0)
    out_of_fold = cross_val_predict(model, x, y, cv=split, method="predict_proba")[:, 1]
    best = (0.0, 0.0, 0.0)  # threshold, answered, declined
    for threshold in np.arange(0.05, 0.951, 0.01):
        answered = float((out_of_fold[y] >= threshold).mean())
        if answered >= KEEP_ANSWERED:
            best = (float(threshold), answered, float((out_of_fold[~y] < threshold).mean()))
    fitted = model.fit(x, y)
    return Model(
        tuple(round(float(c), 4) for c in fitted.coef_[0]),
        round(float(fitted.intercept_[0]), 4),
        round(best[0], 2),
        len(rows),
        {"answered": round(best[1], 3), "declined": round(best[2], 3)},
    )
