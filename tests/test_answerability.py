"""A question on the article's topic is answered only when the article speaks to its point:
the answerability model, its synonym signal, and its fit from the training questions."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from bot.quality import answerability as fitting
from bot.quality.evaluation import load_cases
from bot.replies import answerability
from bot.replies.answerer import Answerer
from bot.search.english import rarity


def test_a_paraphrase_is_near_an_article_word_and_a_new_point_is_not(answerer: Answerer) -> None:
    doc = answerer.index.chunks[0].doc_id
    fixing, pregnant, tretinoin = answerer.words.nearest(["fixing", "pregnant", "tretinoin"], doc)
    assert fixing >= answerability.SYNONYM  # the article says "repair"
    assert pregnant < answerability.SYNONYM
    assert tretinoin < answerability.SYNONYM


def test_a_rare_word_says_more_than_a_common_one() -> None:
    assert rarity("each") < rarity("pregnant") < rarity("tretinoin")


def test_the_point_counts_synonyms_as_covered(answerer: Answerer) -> None:
    doc = answerer.index.chunks[0].doc_id
    share, point = answerer.uncovered("can exosomes help with fixing damaged cells", doc)
    assert share > 0 and point == 0.0  # "fixing" is not the article's word, but its idea
    share, point = answerer.uncovered("can i have exosomes if im pregnant", doc)
    assert share > 0 and point > 0


@pytest.mark.parametrize(
    "question",
    [
        "my skin is prone to rosacea flare ups, is exosome therapy ok for me",
        "is exosome therapy safe in the first trimester",
        "do exosomes work for thinning eyebrows",
    ],
)
def test_a_question_whose_point_the_article_never_makes_is_declined(
    client: TestClient, question: str
) -> None:
    body = client.post("/api/chat", json={"message": question}).json()
    assert body["kind"] == "no_answer", question
    assert body["passages"] == []


@pytest.mark.parametrize(
    "question",
    [
        "how do exosomes help fix skin cells after an op",
        "can exosomes calm down the redness after my laser",
        "does exosome skincare help scars heal better",
    ],
)
def test_a_paraphrase_of_what_the_article_says_is_answered(
    client: TestClient, question: str
) -> None:
    body = client.post("/api/chat", json={"message": question}).json()
    assert body["kind"] == "answer", question
    assert body["passages"]


def test_the_shipped_model_is_the_fit_of_the_training_questions(answerer: Answerer) -> None:
    """No hand-set coefficients: fitting again gives the model the answerer reads."""
    shipped = answerability.Model.load()
    features, labels = fitting.rows(answerer, load_cases(answerability.TRAINING_FILE))
    refitted = answerability.fit(features, labels)
    assert refitted.cases == shipped.cases
    assert refitted.threshold == pytest.approx(shipped.threshold, abs=0.011)
    assert refitted.coef == pytest.approx(shipped.coef, abs=0.05)


def test_the_training_questions_are_labelled_and_the_model_declines_and_answers() -> None:
    cases = load_cases(answerability.TRAINING_FILE)
    kinds = {c.type for c in cases}
    assert kinds == {"answer", "no_answer"}
    assert all(c.evidence for c in cases if c.type == "answer")
    shipped = json.loads(answerability.MODEL_FILE.read_text())
    # Out of fold: it keeps answering what it must, and declines most of the rest.
    assert shipped["measured"]["answered"] >= answerability.KEEP_ANSWERED
    assert shipped["measured"]["declined"] >= 0.65


def test_a_model_fitted_on_other_features_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    path.write_text(
        json.dumps(
            {
                "features": ["score"],
                "coef": [1.0],
                "intercept": 0.0,
                "threshold": 0.5,
                "cases": 1,
                "measured": None,
            }
        )
    )
    with pytest.raises(ValueError, match="fit-answerability"):
        answerability.Model.load(path)


def test_the_training_questions_share_none_with_the_evaluation_sets() -> None:
    """The evaluation sets are written apart from what the model is fitted on."""

    def plain(text: str) -> str:
        return " ".join(text.casefold().strip(" .!?").split())

    trained = {plain(c.question) for c in load_cases(answerability.TRAINING_FILE)}
    root = answerability.TRAINING_FILE.parents[2]
    for path in sorted([*root.glob("tests/data/*.jsonl"), *root.glob("bench/data/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            text = row.get("question") or row.get("text") or ""
            assert plain(text) not in trained, (path.name, text)
