"""Answers a patient can read: tables as tables, filler cut from the start, the best
sentences of a long passage first, and suggested questions as patients ask them."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from bot.articles.boilerplate import without_lead_in
from bot.articles.chunking import chunk_document
from bot.articles.corpus import parse_file
from bot.articles.documents import CorpusError
from bot.replies.answerer import Answerer
from bot.replies.suggestions import suggest
from tests.conftest import write

COMPARE = "How is exosome therapy different from stem cell therapy?"
TABLE_ARTICLE = """---
title: Fillers compared
questions:
  - Which filler lasts longest?
  - "  "
---
# Fillers compared

Here is how the two compare:

| Feature | Hyaluronic acid | Calcium hydroxylapatite |
| --- | --- | --- |
| Lasts | 6 to 18 months | 12 to 18 months |
| Reversible | Yes, with hyaluronidase | No |
"""


def test_table_rows_keep_their_structure_and_the_lead_in(tmp_path: Path) -> None:
    (doc,) = parse_file(write(tmp_path, "fillers.md", TABLE_ARTICLE))
    (chunk,) = chunk_document(doc)
    assert chunk.table == {
        "lead": "Here is how the two compare:",
        "header": ["Feature", "Hyaluronic acid", "Calcium hydroxylapatite"],
        "rows": [
            ["Lasts", "6 to 18 months", "12 to 18 months"],
            ["Reversible", "Yes, with hyaluronidase", "No"],
        ],
    }
    assert chunk.text.startswith("Here is how the two compare: Lasts — Hyaluronic acid: 6")
    assert chunk.questions == ["Which filler lasts longest?"]


def test_a_long_table_is_split_and_each_part_holds_its_own_rows(tmp_path: Path) -> None:
    rows = "\n".join(f"| Row {n} | {'word ' * 30}| {'other ' * 20}|" for n in range(8))
    article = f"# Long\n\n| Feature | A | B |\n| --- | --- | --- |\n{rows}\n"
    (doc,) = parse_file(write(tmp_path, "long.md", article))
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    labels = [row[0] for c in chunks for row in (c.table or {})["rows"]]
    assert labels == [f"Row {n}" for n in range(8)]
    assert all(c.text.startswith(c.table["rows"][0][0]) for c in chunks if c.table)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("See how this works below: Main Role — A: x.", "Main Role — A: x."),
        ("Read more in our article here. Exosomes heal.", "Exosomes heal."),
        ("Exosomes heal. Read more here.", "Exosomes heal. Read more here."),
        ("Read more in our article here.", "Read more in our article here."),
        ("Call us if bleeding does not stop. Rest.", "Call us if bleeding does not stop. Rest."),
    ],
)  # fmt: skip
def test_filler_is_cut_only_from_the_start_and_never_everything(text: str, shown: str) -> None:
    assert without_lead_in(text) == shown


def test_the_comparison_arrives_as_a_table_without_its_filler(client: TestClient) -> None:
    reply = client.post("/api/chat", json={"message": COMPARE}).json()
    tables = [p for p in reply["passages"] if p["table"]]
    assert tables, reply
    table = tables[0]["table"]
    assert table["header"] == ["Feature", "Exosome Therapy", "Stem Cell Therapy"]
    main_role = next(row for row in table["rows"] if row[0] == "Main Role")
    assert main_role[1] == "Facilitates the cell-to-cell communication process"
    assert table["lead"] == ""  # "See how this works below:" says nothing
    assert not tables[0]["text"].startswith("See how")
    assert all(not p["text"].startswith("See how") for p in reply["passages"])


def test_the_page_without_javascript_draws_the_table_and_show_more(client: TestClient) -> None:
    page = BeautifulSoup(client.post("/", data={"message": COMPARE}).text, "html.parser")
    table = page.select_one(".cc-card table.cc-table")
    assert table is not None
    assert [th.get_text() for th in table.select("thead th")] == [
        "Feature", "Exosome Therapy", "Stem Cell Therapy"
    ]  # fmt: skip
    assert "Main Role" in [th.get_text() for th in table.select("tbody th[scope=row]")]
    long_cards = page.select(".cc-card:has(details.cc-more)")
    assert long_cards, "a long passage shows its best sentences first"
    card = long_cards[0]
    excerpt = card.select_one(".cc-excerpt").get_text()
    whole = card.select_one("details.cc-more .cc-passage").get_text()
    assert len(excerpt) < len(whole)
    assert card.select_one("details.cc-more summary").get_text() == "Show moreShow less"


def test_articles_suggest_their_own_questions_first(answerer: Answerer, tmp_path: Path) -> None:
    offered = suggest(answerer.index.chunks, lambda q: True)
    written = answerer.index.chunks[0].questions
    assert written and offered[: len(written)] == written[: len(offered)]
    unanswered = written[0]
    assert unanswered not in suggest(answerer.index.chunks, lambda q: q != unanswered)


def test_questions_must_be_a_list_of_text(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.md", "---\ntitle: T\nquestions: what is it?\n---\n# T\n\nText.\n")
    with pytest.raises(CorpusError, match="questions must be a list"):
        parse_file(bad)
