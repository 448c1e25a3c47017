"""Questions about the patient's own case are recognised; general ones are not."""

from __future__ import annotations

import pytest

from bot.replies.own_case import is_own_case


@pytest.mark.parametrize(
    "message",
    [
        "Am I a candidate for exosome therapy?",
        "am i a good candidate for exosomes after my facelift",
        "Is my swelling normal 5 days after surgery?",
        "is this redness on my cheek normal?",
        "would exosomes work for me? I have very sensitive skin",
        "Should I get exosomes after my tummy tuck?",
        "can i have exosome therapy if im on blood thinners",
        "how long will my recovery take with exosomes",
        "my scar looks weird is that ok",
        "Is it normal that my skin is still red after laser?",
        "Is exosome therapy safe for me while breastfeeding?",
        "what should i do about my scar",
    ],
)
def test_own_case(message: str) -> None:
    assert is_own_case(message)


@pytest.mark.parametrize(
    "message",
    [
        "What are exosomes?",
        "Is exosome therapy approved in Australia?",
        "What are the side effects of stem cell therapy?",
        "I read that exosomes help scars, is that true?",
        "how is exosome therapy applied",
        "Does exosome therapy reduce inflammation after fillers?",
        "what does the mayo clinic say about exosomes",
        "is swelling normal after a facelift?",
    ],
)
def test_general_questions(message: str) -> None:
    assert not is_own_case(message)
