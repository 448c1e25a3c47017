"""Personal information never reaches the log: many real-looking formats, and none of the
patients' ordinary questions is changed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.log.redaction import first_names, redact
from bot.settings import ROOT

SURROUNDS = [
    "{}",
    "Hi, {} - can I get fillers before a wedding?",
    "my details: {}. What does a facelift cost?",
    "please call me ({}) about exosome therapy",
    "{}\nIs swelling normal after 3 days?",
]


@pytest.mark.parametrize(
    ("text", "tag", "gone"),
    [
        ("email me at jane.doe+clinic@example.com.au", "[EMAIL]", "jane.doe"),
        ("JOHN_SMITH@Gmail.COM", "[EMAIL]", "SMITH"),
        ("sarah (at) bigpond.net.au", "[EMAIL]", "bigpond"),
        ("0412 345 678", "[PHONE]", "345"),
        ("0412345678", "[PHONE]", "0412345678"),
        ("0412-345-678", "[PHONE]", "345"),
        ("+61 412 345 678", "[PHONE]", "412"),
        ("+61412345678", "[PHONE]", "61412345678"),
        ("(02) 9876 5432", "[PHONE]", "9876"),
        ("02 9876 5432", "[PHONE]", "9876"),
        ("+61 2 9876 5432", "[PHONE]", "9876"),
        ("9876 5432", "[PHONE]", "9876"),
        ("1300 123 456", "[PHONE]", "123"),
        ("1800-123-456", "[PHONE]", "123"),
        ("13 22 33", "[PHONE]", "22 33"),
        ("+1 (555) 123-4567", "[PHONE]", "4567"),
        ("555-123-4567", "[PHONE]", "4567"),
        ("+44 20 7946 0958", "[PHONE]", "7946"),
        ("0044 20 7946 0958", "[PHONE]", "7946"),
        ("+64 21 123 4567", "[PHONE]", "4567"),
        ("+91 98765 43210", "[PHONE]", "43210"),
        ("+1.555.123.4567", "[PHONE]", "4567"),
        ("2123 45670 1", "[MEDICARE]", "45670"),
        ("2123456701", "[MEDICARE]", "2123456701"),
        ("2123 45670 1/2", "[MEDICARE]", "45670"),
        ("my medicare number is 1234 56789 0", "[MEDICARE]", "56789"),
        ("Medicare no. 4000 11111 9", "[MEDICARE]", "11111"),
        ("I was born on 12/03/1985", "[DOB]", "1985"),
        ("DOB 3-4-90", "[DOB]", "3-4-90"),
        ("date of birth: 1985-03-12", "[DOB]", "1985"),
        ("born 12th of March 1985", "[DOB]", "March"),
        ("my birthday is March 12, 1985", "[DOB]", "1985"),
        ("I was born in 1985", "[DOB]", "1985"),
        ("surgery on 14.02.2025", "[DATE]", "2025"),
        ("12 Smith Street", "[ADDRESS]", "Smith"),
        ("I live at 4/12 O'Connell Rd, Surry Hills NSW 2010", "[ADDRESS]", "Connell"),
        ("unit 3, 27 beach road bondi", "[ADDRESS]", "beach"),
        ("45 Ocean View Drive", "[ADDRESS]", "Ocean"),
        ("Apt 12 100 George St, Sydney", "[ADDRESS]", "George"),
        ("PO Box 123, Parramatta NSW 2150", "[ADDRESS]", "123"),
        ("Bondi Junction NSW 2022", "[ADDRESS]", "2022"),
        ("12A Hill Crescent", "[ADDRESS]", "Hill"),
        ("My name is Sarah Jones", "[NAME]", "Sarah"),
        ("my name is john smith and I want botox", "[NAME]", "john"),
        ("Hi, I'm Priya. Is it safe?", "[NAME]", "Priya"),
        ("this is Chloe Nguyen, can I book", "[NAME]", "Chloe"),
        ("Dr Patel did my facelift", "[NAME]", "Patel"),
        ("Mrs. Wilson told me", "[NAME]", "Wilson"),
        ("my daughter Emily wants lip filler", "[NAME]", "Emily"),
        ("what does it cost? Thanks, Olivia", "[NAME]", "Olivia"),
        ("Cheers - Liam Brown", "[NAME]", "Brown"),
        ("Can Jessica Lee have it done?", "[NAME]", "Jessica"),
        ("card 4111 1111 1111 1111", "[NUMBER]", "1111"),
        ("patient ID 123456", "[NUMBER]", "123456"),
    ],
)
def test_formats_are_redacted(text: str, tag: str, gone: str) -> None:
    for surround in SURROUNDS:
        redacted = redact(surround.format(text))
        assert redacted is not None
        assert tag in redacted, (text, redacted)
        assert gone not in redacted, (text, redacted)


@pytest.mark.parametrize(
    "question",
    [
        "How much does exosome therapy cost for 3 sessions?",
        "Is it safe for 16 year olds?",
        "Will it hurt? Can I drive 2 hours after?",
        "Can I fly 10 days after a facelift?",
        "I'm Asian, does that matter for scarring?",
        "It costs 3000-5000 dollars, right?",
        "Recovery took from 2019-2023 for my mum",
        "May I have botox on 12 March?",
        "what's the best way to reduce swelling on day 3",
        "Is 1 in 1000 a real risk?",
        "I had 2 injections on my way home from work",
        "Does the TGA allow stem cells? What did Mayo Clinic say?",
    ],
)
def test_ordinary_questions_are_left_alone(question: str) -> None:
    assert redact(question) == question


def test_none_of_the_eval_questions_is_changed() -> None:
    """Real patient-style questions carry no personal details: redaction keeps them whole."""
    questions = []
    for path in (
        ROOT / "tests" / "data" / "eval.jsonl",
        ROOT / "bench" / "data" / "eval_holdout.jsonl",
    ):
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            questions += [case["question"], *case.get("history", [])]
    changed = [(q, redact(q)) for q in questions if redact(q) != q]
    assert not changed
    assert len(questions) > 50


# Property-based: generated details in many formats never survive.

digit = st.sampled_from("0123456789")
separator = st.sampled_from([" ", "-", ".", ""])
text_around = (
    st.sampled_from(["", "hi ", "Call ", "mobile: ", "ph "]),
    st.sampled_from(["", " thanks", ", is botox safe?", ". When can I book?"]),
)


@st.composite
def au_mobile(draw: st.DrawFn) -> str:
    rest = "".join(draw(st.lists(digit, min_size=8, max_size=8)))
    sep = draw(separator)
    prefix = draw(st.sampled_from(["04", "+614", "+61 4", "00614"]))
    return f"{prefix}{rest[:2]}{sep}{rest[2:5]}{sep}{rest[5:]}"


@st.composite
def au_landline(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["2", "3", "7", "8"]))
    rest = "".join(draw(st.lists(digit, min_size=8, max_size=8)))
    sep = draw(st.sampled_from([" ", "-", ""]))
    prefix = draw(st.sampled_from([f"0{area} ", f"(0{area}) ", f"+61 {area} ", f"0{area}"]))
    return f"{prefix}{rest[:4]}{sep}{rest[4:]}"


@st.composite
def international(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(["1", "44", "64", "91", "86", "33", "49", "65", "852"]))
    groups = draw(
        st.lists(st.text(alphabet="0123456789", min_size=3, max_size=4), min_size=3, max_size=3)
    )
    sep = draw(st.sampled_from([" ", "-", "."]))
    return f"+{country} " + sep.join(groups)


@st.composite
def medicare(draw: st.DrawFn) -> str:
    digits = [draw(st.integers(2, 6))] + draw(st.lists(st.integers(0, 9), min_size=7, max_size=7))
    check = sum(d * w for d, w in zip(digits, (1, 3, 7, 9, 1, 3, 7, 9), strict=True)) % 10
    issue = draw(st.integers(1, 9))
    number = "".join(map(str, digits)) + str(check)
    sep = draw(st.sampled_from([" ", ""]))
    return f"{number[:4]}{sep}{number[4:9]}{sep}{issue}"


@st.composite
def birth_date(draw: st.DrawFn) -> str:
    day, month, year = (
        draw(st.integers(1, 28)),
        draw(st.integers(1, 12)),
        draw(st.integers(1930, 2010)),
    )
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    shape = draw(
        st.sampled_from(
            [
                f"{day}/{month}/{year}",
                f"{day:02d}-{month:02d}-{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{day} {months[month - 1]} {year}",
                f"{months[month - 1]} {day}, {year}",
                f"{day}.{month}.{str(year)[2:]}",
            ]
        )
    )
    lead = draw(st.sampled_from(["born ", "DOB: ", "date of birth ", "my birthday is "]))
    return lead + shape


@st.composite
def street_address(draw: st.DrawFn) -> str:
    number = draw(st.sampled_from(["1", "12", "127", "4/12", "12A", "3-5", "Unit 2 14"]))
    name = draw(st.sampled_from(["Smith", "George", "Ocean View", "O'Connell", "King William"]))
    kind = draw(
        st.sampled_from(
            [
                "Street",
                "St",
                "Road",
                "Rd",
                "Avenue",
                "Ave",
                "Parade",
                "Drive",
                "Court",
                "Place",
                "Lane",
                "Crescent",
                "Highway",
                "Terrace",
            ]
        )
    )
    tail = draw(st.sampled_from(["", ", Newtown", ", Newtown NSW 2042", " Fitzroy VIC 3065"]))
    return f"{number} {name} {kind}{tail}"


@st.composite
def full_name(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(sorted(first_names()))).capitalize()
    last = draw(st.sampled_from(["Smith", "Nguyen", "Williams", "Patel", "O'Brien", "Kowalski"]))
    return draw(
        st.sampled_from(
            [f"my name is {first} {last}", f"{first} {last}", f"I'm {first}", f"Thanks, {first}"]
        )
    )


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["[PHONE]", "[MEDICARE]", "[DOB]", "[ADDRESS]", "[EMAIL]", "[NAME]"]),
    data=st.data(),
)
def test_generated_details_never_survive(kind: str, data: st.DataObject) -> None:
    strategy = {
        "[PHONE]": st.one_of(au_mobile(), au_landline(), international()),
        "[MEDICARE]": medicare(),
        "[DOB]": birth_date(),
        "[ADDRESS]": street_address(),
        "[EMAIL]": st.emails(),
        "[NAME]": full_name(),
    }[kind]
    detail = data.draw(strategy)
    before, after = data.draw(text_around[0]), data.draw(text_around[1])
    redacted = redact(f"{before}{detail}{after}")
    assert redacted is not None and kind in redacted, (detail, redacted)
    digits = "".join(c for c in detail if c.isdigit())
    if len(digits) >= 4:
        assert digits not in "".join(c for c in redacted if c.isdigit()), (detail, redacted)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_redacted_without_error_and_idempotently(text: str) -> None:
    once = redact(text)
    assert once is not None
    assert redact(once) == once
