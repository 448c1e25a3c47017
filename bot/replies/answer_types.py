"""What kind of answer a question expects, and whether a passage can hold one.

"How much does it cost?", "how long do results last?", "when can I go back to the gym?"
and "how old do you have to be?" are answered by a price, a length of time, or an age.
A passage on the question's topic that holds no such thing does not answer it, however
close its words (the classic expected-answer-type check of question answering). The
table is short on purpose: a type is listed only when a question names it plainly and an
answer must say it in a recognisable form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|few|"
    r"several|a couple of)"
)
_TIME_UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|wks?|months?|years?|yrs?)"


@dataclass(frozen=True)
class AnswerType:
    """A kind of answer: the questions that expect it and what a passage says it with."""

    name: str
    asks: re.Pattern[str]
    says: re.Pattern[str]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


TYPES = (
    AnswerType(
        "price",
        _re(
            r"\b(cost|costs|costing|price|prices|priced|pricing|expensive|cheap|afford|fees?|"
            r"payment|pay|how much (is|are|would|will|do|does) (it|they|that|this|one)\b\s*\??$|"
            r"how much (per|a|an|each|for)\b)"
            r"|\$"
        ),
        _re(r"\$\s?\d|\b(\d+\s?(dollars|aud)|costs?|price[sd]?|fees?|free of charge|rebate)\b"),
    ),
    AnswerType(
        "duration",
        _re(
            r"\bhow (long|soon|quickly|fast)\b|\bwhen (can|could|should|will|do|does|is|are) "
            rf"(i|we|you|it|they|my)\b|\bhow many {_TIME_UNIT}\b|\bpermanent(ly)?\b|"
            r"\blasts? (long|forever)\b|\bwears? off\b"
        ),
        _re(
            rf"\b{_NUMBER}(\s?(-|to|or)\s?{_NUMBER})?\s+{_TIME_UNIT}\b|\b(immediately|"
            r"straight away|right away|same day|overnight|permanent(ly)?|for life|lifetime|"
            r"weeks|months|years)\b"
        ),
    ),
    AnswerType(
        "age",
        _re(
            r"\bhow old\b|\bwhat age\b|\bage (limit|restriction|requirement)s?\b|"
            r"\b(too (old|young)|minimum age|under (16|18)|teen(ager)?s?|my age)\b"
        ),
        _re(r"\b(ages?|aged|years? old|older|younger|adults?|teen(ager)?s?|under \d+|over \d+)\b"),
    ),
)


def expected(question: str) -> list[AnswerType]:
    """The kinds of answer `question` asks for (most ask for none of these)."""
    return [t for t in TYPES if t.asks.search(question)]


def holds(passage: str, kind: AnswerType) -> bool:
    """Whether `passage` says something of the kind asked for."""
    return bool(kind.says.search(passage))
