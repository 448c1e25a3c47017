"""Parsers: the seed article's structure, the other formats, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.articles.corpus import load_corpus, parse_file
from bot.articles.documents import CorpusError
from tests.conftest import CORPUS, write

SEED = CORPUS / "exosome-therapy-plastic-surgery.md"


def test_seed_keeps_headings_list_table_and_references() -> None:
    (doc,) = parse_file(SEED)
    assert doc.title == "The Rise of Exosome-Mediated Advancements in Plastic Surgery"
    headings = [s.heading for s in doc.sections]
    assert "2. Scar Reduction" in headings
    assert "Know the Australian Regulations: Exosomes within Cosmetic Medicine" in headings
    blocks = [b for s in doc.sections for b in s.blocks]
    (lst,) = [b for b in blocks if b.kind == "list"]
    assert lst.items[0].startswith("Proteins: Exosomes transport this")
    (table,) = [b for b in blocks if b.kind == "table"]
    assert table.header == ["Feature", "Exosome Therapy", "Stem Cell Therapy"]
    assert len(table.rows) == 5
    names = [r.name for r in doc.references]
    assert names == [
        "ASPS", "Life Point Medical", "Science Direct", "PMC PubMed Central",
        "Stem Cell Research & Therapy", "Mayo Clinic",
    ]  # fmt: skip
    assert all(r.url == "" for r in doc.references)  # the seed gives none; none invented


def test_seed_wording_is_unchanged() -> None:
    """Every line of the seed's prose appears verbatim in the corpus article."""
    # A verbatim copy of ../shared/seed/exosome-therapy-plastic-surgery.txt, the source.
    seed = Path(__file__).parent / "data" / "seed-exosome-therapy-plastic-surgery.txt"
    article = SEED.read_text(encoding="utf-8").replace("\\*", "*").replace("\\.", ".")
    furniture = {"In the Know", "Get in touch with us", "See how below:"}
    for line in seed.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and line not in furniture and not line.startswith("|"):
            assert line in article, line


def test_markdown_front_matter_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.md",
        "---\ntitle: Facelift recovery\nurl: https://clinic.example/facelift\n"
        "published: 2025-02-01\nreviewed_by: Dr A. Surgeon\nreviewed_on: 2025-06-01\n"
        "references:\n  - name: Mayo Clinic\n    url: https://mayoclinic.org\n---\n"
        "## Week one\n\nRest **a lot**. See [the guide](x).\n",
    )
    (doc,) = parse_file(path)
    assert doc.url == "https://clinic.example/facelift"
    assert str(doc.published) == "2025-02-01" and str(doc.reviewed_on) == "2025-06-01"
    assert doc.reviewed_by == "Dr A. Surgeon"
    assert doc.sections[0].heading == "Week one"
    assert doc.sections[0].blocks[0].text == "Rest a lot. See the guide."


def test_plain_text_headings_lists_and_tables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.txt",
        "Breast Augmentation Guide\nIntro sentence about the guide.\n"
        "Choosing Your Implants\nSee the options below:\n- Saline: filled with salt water.\n"
        "- Silicone: filled with gel.\n1. Recovery Time\nMost people rest a week.\n"
        "| Feature | Saline | Silicone |\n| Feel | Firmer | Softer |\n",
    )
    (doc,) = parse_file(path)
    assert doc.title == "Breast Augmentation Guide"
    assert [s.heading for s in doc.sections] == [
        "Breast Augmentation Guide", "Choosing Your Implants", "1. Recovery Time"
    ]  # fmt: skip
    kinds = [b.kind for b in doc.sections[1].blocks]
    assert kinds == ["paragraph", "list"]
    table = doc.sections[2].blocks[-1]
    assert table.kind == "table" and table.header == ["Feature", "Saline", "Silicone"]


def test_html_drops_navigation_and_scripts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.html",
        "<html><head><title>Rhinoplasty FAQ</title>"
        '<link rel="canonical" href="https://clinic.example/rhino"></head><body>'
        "<nav><a href='/'>Home</a><a href='/book'>Book now</a></nav>"
        "<div class='cookie-banner'>We use cookies</div>"
        "<article><h1>Rhinoplasty FAQ</h1><p>Swelling settles over weeks.</p>"
        "<script>alert('x')</script><h2>Taping</h2><ul><li>Keep it dry.</li></ul>"
        "<table><tr><th>Week</th><th>Activity</th></tr><tr><td>1</td><td>Rest</td></tr></table>"
        "</article><footer>© Clinic</footer></body></html>",
    )
    (doc,) = parse_file(path)
    text = " ".join(b.text + " ".join(b.items) for s in doc.sections for b in s.blocks)
    assert doc.title == "Rhinoplasty FAQ" and doc.url == "https://clinic.example/rhino"
    assert "Swelling settles" in text and "Keep it dry." in text
    for junk in ("Home", "Book now", "cookies", "alert", "©"):
        assert junk not in text
    assert doc.sections[-1].blocks[-1].kind == "table"


def test_jsonl_bulk_corpus(tmp_path: Path) -> None:
    rows = [
        {"id": "d1", "title": "Acne", "url": "https://nih.example/acne", "section": "treatment",
         "text": "Acne is common.\nIt can be treated."},
        {"id": "d2", "title": "Eczema", "url": "", "section": "information", "text": "Itchy skin."},
    ]  # fmt: skip
    path = write(tmp_path, "bulk.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    docs = parse_file(path)
    assert [d.doc_id for d in docs] == ["d1", "d2"]
    assert docs[0].sections[0].heading == "treatment"
    assert docs[0].link(docs[0].sections[0].anchor) == "https://nih.example/acne"


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        ("empty.md", "", None, "empty"),
        ("blank.md", "  \n\n", None, "empty"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", None, "binary"),
        ("latin1.md", "Line one\nCaf\xe9 two\n".encode("latin-1"), 2, "UTF-8"),
        ("notes.docx", "words", None, "unknown file type"),
        ("open.md", "---\ntitle: x\nno end\n", 1, "never closed"),
        ("yaml.md", "---\ntitle: x\nreferences: [a, b\n---\nBody.\n", 3, "broken front matter"),
        ("tab.md", "---\ntitle: x\n\tbad: indent\n---\nBody.\n", 3, "broken front matter"),
        ("date.md", "---\ntitle: x\npublished: soon\n---\nBody.\n", 3, "published"),
        ("key.md", "---\ntitle: x\nautor: me\n---\nBody.\n", 3, "unknown front matter key"),
        ("ref.md", "---\ntitle: x\nreferences:\n  - url: y\n---\nBody.\n", 3, "reference"),
        ("bad.jsonl", '{"id": "a", "title": "t", "text": "x"}\n{oops\n', 2, "not valid JSON"),
        ("field.jsonl", '{"id": "a", "title": "t"}\n', 1, "'text'"),
        ("dup.jsonl", '{"id": "a", "title": "t", "text": "x"}\n' * 2, 2, "duplicate"),
    ],
)
def test_bad_files_name_file_line_and_reason(
    tmp_path: Path, name: str, content: str | bytes, line: int | None, reason: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == line
    assert reason in error.reason
    assert str(error).startswith(f"{path}:{line}:" if line else f"{path}:")


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a/facelift.md", "# Facelift\n\nText.\n")
    write(tmp_path, "b/facelift.txt", "Facelift\nMore text.\n")
    with pytest.raises(CorpusError, match="duplicate document id 'facelift'"):
        load_corpus(tmp_path)


def test_hidden_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "# A\n\nText.\n")
    write(tmp_path, ".DS_Store", b"\x00\x01")
    assert [d.doc_id for d in load_corpus(tmp_path)] == ["a"]
