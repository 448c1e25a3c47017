"""Property-based tests (hypothesis): the parsers and redaction on any text.

The chunker's properties (no crash, no chunk over the limit, nothing lost) are in
test_chunking.py; redaction's idempotence and generated personal details in
test_redaction.py.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.articles.chunking import MAX_CHARS, chunk_document
from bot.articles.corpus import parse_file
from bot.articles.documents import CorpusError
from bot.log.redaction import TAGS, redact

HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE questions; --",
        "\u202e\u200f\u061c",
        "💉🧬👩🏽‍⚕️",
        "\x00\x07\x1b[31m",
        "---\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "# Heading\n",
        "- item\n",
        "w" * 3000,
        '{"id": 1}',
        "<article><h2>H</h2><p>text</p></article>",
    ]
)
ANY_TEXT = st.lists(st.one_of(st.text(max_size=200), HOSTILE), max_size=8).map("".join)
FOLDER = Path(tempfile.mkdtemp(prefix="bot-properties-"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from([".md", ".txt", ".html", ".jsonl"]), text=ANY_TEXT)
@example(suffix=".html", text="notes/article.txt")  # looks like a file name to BeautifulSoup
@example(suffix=".md", text="<div>\nnotes/article.txt\n</div>\n")
def test_any_file_parses_or_is_refused_with_a_reason(suffix: str, text: str) -> None:
    path = FOLDER / f"article{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        documents = parse_file(path)
    except CorpusError as exc:
        assert exc.reason  # names what is wrong; never another exception
        return
    for document in documents:
        for chunk in chunk_document(document):
            assert 0 < len(chunk.text) <= MAX_CHARS


_TAG = re.compile("|".join(re.escape(t) for t in TAGS))


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_redaction_never_invents_text(text: str) -> None:
    """Outside the tags it puts in, the redacted text is the original's, in order."""
    redacted = redact(text)
    assert redacted is not None
    kept = "".join(_TAG.split(redacted))
    it = iter(text)
    assert all(ch in it for ch in kept), (text, redacted)


WORDS = st.sampled_from(
    "exosome therapy swelling scar after the and downtime filler laser how long is it "
    "safe does hurt what are side effects of stem cell microneedling bruising".split()
)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=30).map(" ".join))
def test_redaction_loses_no_ordinary_question_text(question: str) -> None:
    assert redact(question) == question


@settings(max_examples=50, deadline=2000)
@given(st.sampled_from("Aa'’-. "), st.integers(min_value=1, max_value=3000))
def test_redaction_takes_linear_time_on_long_words(first: str, length: int) -> None:
    """A capitalised 30-letter word once took minutes (catastrophic regex backtracking)."""
    redact(f"{first.upper()}{'w' * length} Bondi NSW {'a' * length}")
