"""Sentences of a web article that are not its content: link-outs, lead-ins, promotion.

"Read about this in our article here.", "See how this works below:", "Share this post" say
nothing a patient asked; a question's words still match them ("Looking to learn more about
exosomes?"), so a passage made of them can outrank the one that answers. They are found
when an index is built (and when one built before is loaded), and retrieval keeps them out
of a passage's best-sentence score (`bot.search.vectors.SentenceVectors.mute`); they are
still shown, as part of the article's words. A question that asks for more to
read ("where can I read more about…") is the exception: a link-out answers it.

Only forms that are never medical content are listed: a clinic's "call us if the bleeding
does not stop" is advice and must keep its weight, so contact lines are not among them.
"""

from __future__ import annotations

import re

_FORMS = [
    # Link-outs: "read more / learn more / find out more … here / in our article".
    r"\b(read|learn|find out|discover)\b.{0,80}\b(here|in (our|this|the) [\w ]{0,40}"
    r"(article|blog|post|page|guide))\b",
    r"\bclick (here|below|the link|on the link)\b",
    r"^\W*(read|learn|find out|see) more\b\W*$",
    # Lead-ins to what follows: "See how this works below:", "See these core signals below:".
    r"^\W*(see|find|check out|take a look at)\b[^.?!]{0,60}\bbelow\s*[:.!]?\s*$",
    r"^\W*(here'?s|here is|these are) (how|what|why|a few|some)\b[^.?!]{0,60}[:]\s*$",
    # Promotion and page furniture.
    r"^\W*looking (to|for)\b[^?]{0,120}\?",
    r"\b(share this|follow us|subscribe to|sign up (for|to) our|our newsletter)\b",
    r"\b(this (site|website) uses cookies|cookie (policy|settings))\b",
]
_BOILERPLATE = re.compile("|".join(f"(?:{f})" for f in _FORMS), re.IGNORECASE)


def is_boilerplate(sentence: str) -> bool:
    """Whether `sentence` is a link-out, a lead-in or promotion rather than content."""
    return bool(_BOILERPLATE.search(sentence))


# A passage's first sentence, or the lead-in that opens a list or table ("…below:").
_FIRST = re.compile(r"\s*([^.!?:]*[.!?:][\"”’)\]]*)\s+")


def without_lead_in(text: str) -> str:
    """`text` without the filler it starts with, so an answer opens with content.

    Example: without_lead_in("See how this works below: Main Role — …") -> "Main Role — …"
    The whole text is kept when it is nothing but filler.
    """
    rest = text
    while (first := _FIRST.match(rest)) and is_boilerplate(first.group(1)):
        if not rest[first.end() :].strip():
            break
        rest = rest[first.end() :]
    return rest


_ASKS_FOR_READING = re.compile(
    r"\b(read|learn|find out|find)\b.{0,20}\bmore\b|\bwhere (can|could|do|should) (i|we|you)"
    r" (read|learn|find)\b|\b(further|more) (reading|information|info)\b|\blinks?\b",
    re.IGNORECASE,
)


def asks_for_reading(question: str) -> bool:
    """Whether `question` asks where to read more (which a link-out answers)."""
    return bool(_ASKS_FOR_READING.search(question))
