"""Does a message ask about the patient's own case rather than general information?

The bot never judges an individual case ("am I a candidate?", "is my swelling
normal?"); such questions still get the general passages, plus a pointer to book
a consultation. First-person wording alone is not enough ("I read that exosomes
help scars" is general); the message must ask for a judgement about the patient.
"""

from __future__ import annotations

import re

_ME = r"(i|im|i'm|i am|ive|i've|my|me|mine)"
_PATTERNS = [
    # Candidacy and suitability: "am I a good candidate", "would it suit me", "is it right for me"
    r"\b(am i|would i be|i'?m|are we) (a |an )?(good |suitable |right |ideal )?candidate",
    r"\b(suit|suitable for|right for|work for|safe for|ok for|okay for|good for) me\b",
    r"\b(should|can|could|may) i (have|get|do|try|use|start|book|go ahead)",
    # Normality of their own symptoms or results: "is my swelling normal"
    r"\b(is|are) (my|this|these|it) .{0,40}"
    r"\b(normal|ok|okay|expected|usual|healing|infected|right)\b",
    r"\bmy .{0,40}\b(normal|ok|okay|expected|healing properly|looks? (weird|wrong|bad|uneven))\b",
    r"\b(is it|it is|its|it's) (normal|ok|okay) (that|if|for) (my|i|me)\b",
    # Outcomes for them: "will it work for me", "how long will my recovery take"
    r"\b(will|would|how long will|how much will|when will|when can) (i|my|it work for me)\b",
    r"\bwhat (should|do) i do\b",
    r"\b(in my case|my situation|my skin type|for someone like me|my results)\b",
]
_REGEX = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def is_own_case(message: str) -> bool:
    """True when the message asks the bot to judge the patient's own situation."""
    text = re.sub(r"\s+", " ", message.replace("’", "'")).strip()
    return bool(re.search(rf"\b{_ME}\b", text, re.IGNORECASE)) and bool(_REGEX.search(text))
