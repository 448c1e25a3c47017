"""Redacting personal information from a patient's message before it is logged.

`redact(text)` replaces what identifies a person with a tag: `[EMAIL]`, `[PHONE]`,
`[MEDICARE]`, `[DOB]` (a date of birth), `[DATE]` (any other full date), `[NUMBER]`
(any other long number: card, account or patient numbers), `[ADDRESS]` and `[NAME]`.
It errs towards removing too much: the log needs the question, not the person.
Names are recognised from how people introduce themselves ("my name is …", "I'm Sarah",
"Dr Nguyen", "my daughter Emily", a sign-off) and from a list of common first names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

TAGS = ("[EMAIL]", "[PHONE]", "[MEDICARE]", "[DOB]", "[DATE]", "[NUMBER]", "[ADDRESS]", "[NAME]")

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+(?:@|\s*\(at\)\s*)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
DATE = re.compile(
    rf"\b(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"  # 12/03/1985, 3-4-90
    rf"|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}"  # 1985-03-12
    rf"|{_DAY}(?:\s+of)?\s+{_MONTH},?\s+\d{{4}}"  # 12th of March 1985
    rf"|{_MONTH}\s+{_DAY},?\s+\d{{4}})\b",  # March 12, 1985
    re.IGNORECASE,
)
BIRTH = re.compile(r"\b(?:born|birth|birthday|dob|d\.o\.b)\b", re.IGNORECASE)
BORN_IN = re.compile(r"\b(born(?:\s+in)?\s+)((?:19|20)\d{2})\b", re.IGNORECASE)

MEDICARE_CONTEXT = re.compile(
    r"(\bmedicare(?:\s+card)?(?:\s+(?:number|no\.?|#))?(?:\s+is)?[:\s#]*)(\d[\d\s/-]{7,14}\d)",
    re.IGNORECASE,
)
MEDICARE = re.compile(r"(?<![\d+])([2-6]\d{3})\s?(\d{5})\s?(\d)(?:\s?[/-]?\s?\d)?(?!\d)")
_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)

# A run of digits with the separators phone numbers are written with.
PHONE = re.compile(r"(?<![\w+])(?:\+|\b00)?\(?\d[\d ().-]{5,}\d(?![\w])")
SHORT_PHONE = re.compile(r"\b13\s\d{2}\s\d{2}\b")  # 13 xx xx numbers
RANGE = re.compile(r"^(\d{1,5})\s*-\s*(\d{1,5})$")  # 2019-2023, 3000-5000: not a phone
LONG_NUMBER = re.compile(r"(?<![\w])\d(?:[\d -]*\d){5,}(?![\w])")

_STOP = (
    r"(?:a|an|the|my|your|our|his|her|their|on|in|at|to|for|of|and|or|but|with|from|by|is|"
    r"was|are|were|be|i|we|you|it|this|that|am|me|so|if|as|after|before|about|per|each|"
    r"every|weeks?|days?|months?|years?|hours?|mins?|minutes?|km|kms|times|ml|mg|units?|cc|"
    r"sessions?|treatments?|injections?|kg|lbs?|then|now|again|more|less|than|can|could|would|"
    r"should|will|do|does|did|have|has|had|want|wants|need|needs|get|got|just|also|here|there|"
    r"what|how|when|where|why|who|which|not|no|yes|please|hi|hello|hey|thanks|and)"
)
_WORD = rf"(?!{_STOP}\b)[A-Za-z][A-Za-z'’.-]*"
# Smith, O'Connell, McDonald, Jean-Luc (not "I", not "TGA")
# Each repeat must start with a separator or a capital: with both optional, a long word
# could be split every way, and "A" + 30 letters took minutes (exponential backtracking).
_CAP_WORD = r"[A-Z](?:[a-z]+(?:(?:['’-][A-Z]?|[A-Z])[a-z]+)*|['’][A-Z][a-z]+)"
_NUMBER = r"\d+[A-Za-z]?(?:\s*[-/]\s*\d+[A-Za-z]?)?"
_UNIT = r"(?:(?:unit|apt|apartment|flat|suite|level|lvl|shop)\s*\d+[A-Za-z]?\s*[,/]?\s*)?"
_STATE = r"(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)"
_TAIL = rf"(?:,?\s+{_CAP_WORD}(?:\s+{_CAP_WORD})?)?(?:,?\s+{_STATE})?(?:,?\s+\d{{4}})?"
_PLAIN_TYPES = (
    r"street|road|avenue|crescent|parade|highway|boulevard|terrace|esplanade|parkway|st|rd|"
    r"ave|cres|pde|hwy|blvd|tce|esp"
)
_AMBIGUOUS_TYPES = (
    r"Way|Close|Place|Court|Grove|Square|Drive|Lane|Circuit|Walk|Rise|Row|Mews|Dr|Pl|Cl|Ct|Cct|"
    r"Ln|Sq"
)
ADDRESS = re.compile(
    rf"(?<![\w/])(?i:{_UNIT}{_NUMBER}\s+(?:{_WORD}\s+){{1,3}}(?:{_PLAIN_TYPES})\b\.?){_TAIL}"
)
ADDRESS_CAPITALISED = re.compile(
    rf"(?<![\w/])(?i:{_UNIT}){_NUMBER}\s+(?:{_CAP_WORD}\s+){{1,3}}(?:{_AMBIGUOUS_TYPES})\b\.?{_TAIL}"
)
PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s?Box|Locked Bag)\s+\d+" + _TAIL, re.IGNORECASE)
SUBURB_POSTCODE = re.compile(rf"\b(?:{_CAP_WORD}\s+){{1,2}}{_STATE}\s+\d{{4}}\b")

_NAME_WORDS = rf"{_WORD}(?:\s+{_WORD}){{0,2}}"
INTRODUCTION = re.compile(
    rf"(\b(?:my\s+name\s+is|my\s+name's|name\s*:|i\s+am\s+called|i'm\s+called|call\s+me)\s+)"
    rf"({_NAME_WORDS})",
    re.IGNORECASE,
)
TITLE = re.compile(
    rf"(\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Doctor|Prof|Professor|dr|doctor)\.?\s+)({_CAP_WORD}(?:\s+{_CAP_WORD})?)"
)
RELATION = re.compile(
    r"(\b(?i:my\s+(?:husband|wife|partner|son|daughter|mum|mom|mother|dad|father|sister|brother|"
    r"friend|boyfriend|girlfriend|fianc[eé]e?|surgeon|doctor|gp|nurse)(?:'s)?),?\s+)"
    rf"({_CAP_WORD}(?:\s+{_CAP_WORD})?)"
)
SIGN_OFF = re.compile(
    r"(\b(?i:thanks|thank\s+you|regards|kind\s+regards|cheers|best|love|from|sincerely|"
    rf"ta)[,!]?\s*(?:-\s*)?)({_CAP_WORD}(?:\s+{_CAP_WORD})?)\W*$"
)
SELF = re.compile(rf"(\b(?i:i'm|i\s+am|im|this\s+is|it's)\s+)({_CAP_WORD}(?:\s+{_CAP_WORD})?)")


@cache
def first_names() -> frozenset[str]:
    """Common first names that are not also ordinary words ("Will", "May" are left out)."""
    text = Path(__file__).with_name("first_names.txt").read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word.lower() for line in lines for word in line.split())


def _is_first_name(word: str) -> bool:
    return word.lower() in first_names()


@cache
def _known_name() -> re.Pattern[str]:
    """A capitalised common first name, with the capitalised word after it (a surname)."""
    names = "|".join(sorted((n.capitalize() for n in first_names()), key=len, reverse=True))
    return re.compile(rf"\b(?:{names})\b(?:\s+{_CAP_WORD})?")


def _medicare_ok(digits: str) -> bool:
    check = sum(int(d) * w for d, w in zip(digits[:8], _MEDICARE_WEIGHTS, strict=True)) % 10
    return check == int(digits[8])


def _is_range(text: str) -> bool:
    found = RANGE.match(text.strip("() "))
    return found is not None and int(found.group(1)) < int(found.group(2))


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if _is_range(text) or not 8 <= len(digits) <= 15:
        return text
    if text.count("(") != text.count(")"):
        # "(0412 345 678" inside a bracketed remark: keep the bracket, not the number.
        inner = text[1:] if text.startswith("(") else ""
        if not inner or inner.count("(") != inner.count(")"):
            return text
        return "(" + ("[PHONE]" if 8 <= len(re.sub(r"\D", "", inner)) else inner)
    return "[PHONE]"


def _date(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        before = text[max(0, match.start() - 40) : match.start()]
        return "[DOB]" if BIRTH.search(before) else "[DATE]"

    return DATE.sub(replace, text)


def _names(text: str) -> str:
    text = INTRODUCTION.sub(lambda m: m.group(1) + "[NAME]", text)
    text = TITLE.sub(lambda m: m.group(1) + "[NAME]", text)
    text = RELATION.sub(lambda m: m.group(1) + "[NAME]", text)
    text = SIGN_OFF.sub(lambda m: m.group(1) + "[NAME]", text)
    text = SELF.sub(
        lambda m: m.group(1) + "[NAME]" if _is_first_name(m.group(2).split()[0]) else m.group(0),
        text,
    )
    return _known_name().sub("[NAME]", text)


_STEPS: tuple[Callable[[str], str], ...] = (
    lambda t: EMAIL.sub("[EMAIL]", t),
    lambda t: BORN_IN.sub(lambda m: m.group(1) + "[DOB]", t),
    _date,
    lambda t: MEDICARE_CONTEXT.sub(lambda m: m.group(1) + "[MEDICARE]", t),
    lambda t: MEDICARE.sub(
        lambda m: "[MEDICARE]" if _medicare_ok("".join(m.groups())) else m.group(0), t
    ),
    lambda t: PO_BOX.sub("[ADDRESS]", t),
    lambda t: ADDRESS.sub("[ADDRESS]", t),
    lambda t: ADDRESS_CAPITALISED.sub("[ADDRESS]", t),
    lambda t: SUBURB_POSTCODE.sub("[ADDRESS]", t),
    lambda t: PHONE.sub(_phone, t),
    lambda t: SHORT_PHONE.sub("[PHONE]", t),
    lambda t: LONG_NUMBER.sub(lambda m: m.group(0) if _is_range(m.group(0)) else "[NUMBER]", t),
    _names,
)


def redact(text: str | None) -> str | None:
    """`text` with personal information replaced by tags; None stays None."""
    if text is None:
        return None
    for step in _STEPS:
        text = step(text)
    return text
