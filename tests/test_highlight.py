"""Sentence highlighting (the widget runs the same algorithm; the browser test compares)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.search.highlight import LONG_CHARS, excerpt, highlight, sentences


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


LONG = (
    "Exosomes are small vesicles released by cells. They carry proteins, lipids and genetic "
    "material between cells. Researchers are studying them in many fields of medicine. "
    "After surgery, exosome therapy may shorten recovery by calming inflammation. "
    "Clinics apply it as a cream or a serum on the treated skin. "
    "It is not yet recognised as a proven therapy in Australia, and more studies are needed. "
    "Ask your surgeon whether it suits the procedure you are planning."
)


def test_a_long_passage_opens_with_its_best_sentences_and_marks_what_is_left_out() -> None:
    shown = excerpt("does exosome therapy shorten recovery after surgery", LONG)
    assert shown is not None
    assert shown[0] == ("… ", False)
    assert shown[1][1] and shown[1][0].startswith("After surgery, exosome therapy")
    assert shown[-1] == ("…", False)
    assert len("".join(t for t, _ in shown)) < len(LONG) / 2


def test_without_a_match_the_excerpt_is_the_first_sentence() -> None:
    shown = excerpt("opening hours", LONG)
    assert len(LONG) > LONG_CHARS
    assert shown == [("Exosomes are small vesicles released by cells. ", False), ("…", False)]


def test_a_short_passage_or_one_mostly_marked_is_shown_whole() -> None:
    assert excerpt("side effects", "Side effects are rare. Pain is mild.") is None
    mostly = "Scar care after surgery matters a great deal for how the skin heals. " * 6
    assert len(mostly) > LONG_CHARS
    assert excerpt("scar care", mostly + "It helps.") is not None  # two of seven marked
    assert excerpt("scar care", "Scar care heals. " * 2 + "x" * 500) is None  # no sentences
