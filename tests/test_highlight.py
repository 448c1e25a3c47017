"""Sentence highlighting (the widget runs the same algorithm; the browser test compares)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.search.highlight import highlight, sentences


def marked(question: str, text: str) -> list[str]:
    return [piece.strip() for piece, hit in highlight(question, text) if hit]


def test_the_sentence_sharing_most_question_words_is_marked() -> None:
    text = "Exosomes are tiny. Stem cell therapy may cause pain and fatigue. Both are emerging."
    assert marked("What are the side effects of stem cell therapy?", text) == [
        "Stem cell therapy may cause pain and fatigue."
    ]


def test_plurals_match_and_stop_words_do_not() -> None:
    text = "The therapy is topical. Several therapies exist. What is it?"
    assert marked("what therapies are there", text) == [
        "The therapy is topical.",
        "Several therapies exist.",
    ]


def test_at_most_two_sentences_are_marked_and_none_without_overlap() -> None:
    text = "Scars fade. Scars heal. Scars matter."
    assert marked("scars", text) == ["Scars fade.", "Scars heal."]
    assert marked("opening hours", text) == []


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "In an article by ASPS, Dr. Diederich says “it heals.” J. Smith agrees. e.g. This too."
    assert sentences(text) == [
        "In an article by ASPS, Dr. Diederich says “it heals.” ",
        "J. Smith agrees. e.g. This too.",
    ]


@given(st.text(alphabet=st.sampled_from("ab .!?\n“”\"'()ADr1"), max_size=80), st.text(max_size=20))
def test_segments_join_back_into_the_passage(text: str, question: str) -> None:
    pieces = highlight(question, text)
    assert "".join(piece for piece, _ in pieces) == text
    assert sum(hit for _, hit in pieces) <= 2
