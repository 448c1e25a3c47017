"""Section headings become natural questions (the API test checks the bot answers them)."""

from __future__ import annotations

import pytest

from bot.replies.answerer import Answerer
from bot.replies.suggestions import MAX_SUGGESTIONS, heading_question, suggest


@pytest.mark.parametrize(
    ("heading", "question"),
    [
        ("2. Scar Reduction", "What should I know about scar reduction?"),
        ("1. Boost Wound Healing", "How can I boost wound healing?"),
        ("How Exosomes Can Rejuvenate Skin Faster: Get the Full Breakdown",
         "How can exosomes rejuvenate skin faster?"),
        ("Know the Australian Regulations: Exosomes within Cosmetic Medicine",
         "What should I know about the Australian regulations?"),
        ("Final Thoughts: The Future of Exosome Therapy Post- Cosmetic Surgery",
         "What should I know about the future of exosome therapy post-cosmetic surgery?"),
        ("How Could Exosomes be a Beneficial Actor for Healing after Surgery?",
         "How could exosomes be a beneficial actor for healing after surgery?"),
        ("What Are Exosomes", "What are exosomes?"),
        ("TGA Rules — Overview", "What should I know about TGA rules?"),
    ],
)  # fmt: skip
def test_headings_become_questions(heading: str, question: str) -> None:
    assert heading_question(heading, {"australian"}) == question


@pytest.mark.parametrize("heading", ["Final Thoughts", "Conclusion:", "3. Summary", "  "])
def test_generic_headings_make_no_question(heading: str) -> None:
    assert heading_question(heading) is None


def test_only_questions_the_bot_answers_are_offered(answerer: Answerer) -> None:
    offered = suggest(answerer.index.chunks, lambda q: "scar" not in q)
    assert 3 <= len(offered) <= MAX_SUGGESTIONS
    assert not any("scar" in q for q in offered)
    assert len(set(offered)) == len(offered)
    assert suggest(answerer.index.chunks, lambda q: False) == []
