"""Definitions: a "what is X?" question is answered first by a passage that says "X is …".

Patients ask "what are exosomes?" and "what is exosome therapy?"; the passage that defines
the term is the one to read first, though others on the topic may score as close. The
term is what follows "what is/are" (articles and fillers such as "exactly" dropped); a
sentence defines it when the term (singular or plural) leads up to "is/are/refers to".
"""

from __future__ import annotations

import re

_QUESTION = re.compile(
    r"^\s*(?:so\s+|ok\s+|and\s+)?(?:what|wat|wot)(?:\s+(?:exactly|actually|even|really))?"
    r"\s*(?:'s|s|\s+is|\s+are)\s+"
    r"(?:(?:exactly|actually|even|really|basically)\s+)*(?:(?:a|an|the)\s+)?"
    r"(?P<term>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)\s*\??\s*$",
    re.IGNORECASE,
)
_VERB = r"(?:is|are|refers? to|means?)"


def defined_term(question: str) -> str | None:
    """The term a "what is/are X?" question asks to define, or None for other questions."""
    found = _QUESTION.match(question)
    return found.group("term").lower() if found else None


def _forms(term: str) -> str:
    """The term, singular or plural, as a pattern."""
    base = re.sub(r"(es|s)$", "", term) if len(term) > 4 else term
    return re.escape(base) + r"(?:e|es|s)?"


def defines(sentence: str, term: str) -> bool:
    """Whether `sentence` opens by defining `term` ("Exosomes are tiny cells …")."""
    pattern = rf"^\W*(?:(?:a|an|the)\s+)?{_forms(term)}\s+(?:\([^)]*\)\s+)?{_VERB}\b"
    return bool(re.match(pattern, sentence, re.IGNORECASE))
