"""The best passage first: link-outs and lead-ins score nothing (unless the patient asks
where to read more), and a "what is X?" question gets the passage that defines X."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.articles.boilerplate import asks_for_reading, is_boilerplate
from bot.replies.answerer import Answerer
from bot.search.definitions import defined_term, defines
from bot.search.vectors import SentenceVectors


@pytest.mark.parametrize(
    "sentence",
    [
        "Read about this in our clinic's article “Healing after surgery” here.",
        "Want the details? Learn more in our blog post on recovery.",
        "Click here to see our prices.",
        "See how this works below:",
        "See these three signs below.",
        "Looking to learn more about fillers?",
        "Share this post with a friend.",
        "Subscribe to our newsletter for more tips.",
    ],
)
def test_link_outs_lead_ins_and_promotion_are_boilerplate(sentence: str) -> None:
    assert is_boilerplate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Call us straight away if the bleeding does not stop.",
        "Contact your surgeon if you see redness spreading below the wound.",
        "Exosomes are tiny cells that are naturally occurring in your body.",
        "Read the label of any cream before you apply it to a wound.",
        "The results below the eyes take longer to settle.",
    ],
)
def test_content_and_medical_advice_keep_their_weight(sentence: str) -> None:
    assert not is_boilerplate(sentence)


def test_a_question_may_ask_for_more_to_read() -> None:
    assert asks_for_reading("where can i read more about exosomes")
    assert asks_for_reading("any links to learn more?")
    assert not asks_for_reading("what are exosomes?")


def test_muted_sentences_score_nothing() -> None:
    framed = np.eye(3, dtype=np.float32)
    vectors = SentenceVectors.build(framed, framed, [2, 1])
    vectors.mute(np.array([True, False, False]))
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    assert vectors.best(query, np.array([0, 1])).tolist() == [0.0, 0.0]
    assert vectors.best(query, np.array([0]), mute=False).tolist() == [1.0]
    vectors.mute(np.array([True]))  # a mask of the wrong length is not applied
    assert vectors.muted is not None and len(vectors.muted) == 3


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("what exactly are exosomes?", "exosomes"),
        ("What even is an exosome?", "exosome"),
        ("whats exosome therapy", "exosome therapy"),
        ("what do exosomes do?", None),
        ("how are exosomes applied", None),
    ],
)
def test_the_term_a_question_asks_to_define(question: str, term: str | None) -> None:
    assert defined_term(question) == term


def test_a_sentence_defines_a_term_singular_or_plural() -> None:
    assert defines("Exosomes are tiny cells that occur naturally.", "exosome")
    assert defines("An exosome is a small vesicle.", "exosomes")
    assert not defines("Stem cells are different from exosomes.", "exosomes")


def test_what_is_gets_the_definition_first_not_the_link_out(answerer: Answerer) -> None:
    reply = answerer.ask("What are exosomes?")
    first = reply.passages[0].text
    assert defines(first.split(". ")[0], "exosomes") or "Exosomes are" in first
    assert not any(is_boilerplate(s) for s in first.split("? "))


def test_a_patient_asking_where_to_read_more_gets_the_link_out(answerer: Answerer) -> None:
    chunks = [c for c in answerer.index.chunks if any(map(is_boilerplate, c.sentences()))]
    assert chunks, "the clinic's article has a link-out"
    reply = answerer.ask("where can i read more about how exosomes talk between cells")
    assert any(p.chunk_id in {c.chunk_id for c in chunks} for p in reply.passages)


def test_muted_rows_are_saved_with_the_vectors(tmp_path: Path) -> None:
    framed = np.eye(3, dtype=np.float32)
    vectors = SentenceVectors.build(framed, framed, [2, 1])
    vectors.mute(np.array([False, True, False]))
    vectors.save(tmp_path / "s.npz")
    loaded, known = SentenceVectors.load(tmp_path / "s.npz")
    assert known and loaded.muted is not None and loaded.muted.tolist() == [False, True, False]
    # A file from before muting was known says so, and the loader then reads the passages.
    np.savez(tmp_path / "old.npz", framed=framed, bare=framed, starts=vectors.starts)
    old, known = SentenceVectors.load(tmp_path / "old.npz")
    assert not known and old.muted is None


def test_a_built_index_knows_its_link_outs(answerer: Answerer) -> None:
    """The session's index was built by `bot index`: its link-out rows are muted."""
    sentences = answerer.index.sentences
    assert sentences.muted is not None
    rows = [s for c in answerer.index.chunks for s in c.sentences()]
    assert [rows[i] for i in np.flatnonzero(sentences.muted)] == [
        s for s in rows if is_boilerplate(s)
    ]
