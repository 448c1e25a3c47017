"""A question that asks for a price, a length of time or an age is answered only by a
passage that says one; the clinic's article says none, so such questions are declined."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.replies import answer_types
from bot.replies.answerer import Answerer


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how much is it?", "price"),
        ("how much per session", "price"),
        ("results permanent?", "duration"),
        ("does the effect wear off", "duration"),
        ("r exosomes expensive", "price"),
        ("how long do the results last", "duration"),
        ("when can i go back to work after my facelift", "duration"),
        ("how many weeks until i see a difference", "duration"),
        ("am i too old for exosomes at 70", "age"),
        ("whats the minimum age", "age"),
    ],
)
def test_a_question_names_the_kind_of_answer(question: str, kind: str) -> None:
    assert [t.name for t in answer_types.expected(question)] == [kind]


@pytest.mark.parametrize(
    "question",
    ["what are exosomes?", "how much downtime is there", "how is it applied", "is it safe"],
)
def test_most_questions_ask_for_none(question: str) -> None:
    assert answer_types.expected(question) == []


def test_a_passage_holds_the_kind_or_not() -> None:
    (duration,) = answer_types.expected("how long does it last")
    assert answer_types.holds("Results typically last 6 to 12 months.", duration)
    assert answer_types.holds("Most patients return to work within two weeks.", duration)
    assert not answer_types.holds("Exosomes help the skin heal after surgery.", duration)
    (price,) = answer_types.expected("what does it cost")
    assert answer_types.holds("A session is $350.", price)
    assert not answer_types.holds("Exosomes are tiny vesicles.", price)


def test_near_topic_questions_without_their_answer_are_declined(answerer: Answerer) -> None:
    """The same topic, asked for what the article never gives: a duration."""
    covered = answerer.ask("will exosomes help my recovery after a facelift")
    assert covered.kind == "answer"
    uncovered = answerer.ask("how long after a facelift do exosomes keep helping my recovery")
    assert uncovered.kind == "no_answer"


def test_the_api_declines_a_price_question(client: TestClient) -> None:
    body = client.post(
        "/api/chat", json={"message": "how much would exosome therapy cost me"}
    ).json()
    assert body["kind"] == "no_answer"
    assert body["passages"] == []


def test_what_a_patient_tells_of_themselves_counts_half(answerer: Answerer) -> None:
    doc = answerer.index.chunks[0].doc_id
    alone, _ = answerer.uncovered("does it suit every skin type? i have olive skin", doc)
    asked, _ = answerer.uncovered("does it suit olive skin?", doc)
    assert 0 < alone < asked
