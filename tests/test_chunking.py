"""Chunking: sections, sentences, lists with lead-ins, table rows, cites, limits."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.articles.chunking import MAX_CHARS, chunk_document, split_sentences
from bot.articles.corpus import parse_file
from bot.articles.documents import Document, DocumentBuilder, Reference
from tests.conftest import CORPUS

SEED_CHUNKS = chunk_document(parse_file(CORPUS / "exosome-therapy-plastic-surgery.md")[0])


def test_table_rows_read_as_sentences_with_their_headers() -> None:
    text = " ".join(c.text for c in SEED_CHUNKS)
    assert (
        "Side Effects — Exosome Therapy: Little to no side effects, non-invasive treatment; "
        "Stem Cell Therapy: Invasive, potential for pain, dryness and fatigue." in text
    )
    assert "| " not in text


def test_list_stays_with_its_lead_in() -> None:
    (chunk,) = [c for c in SEED_CHUNKS if "Proteins:" in c.text]
    assert chunk.text.startswith("See these core signals below: Proteins:")
    assert "Lipids:" in chunk.text and "Genetic Material:" in chunk.text


def test_chunks_stay_in_their_section_and_link_to_it() -> None:
    (scar,) = [c for c in SEED_CHUNKS if "ADSC-Exos" in c.text]
    assert scar.section == "2. Scar Reduction"
    assert scar.url.endswith("#2-scar-reduction")
    assert "Scar Reduction" in scar.embed_text()
    assert not any("Scar Reduction" in c.text for c in SEED_CHUNKS)  # headings aren't body text


def test_cites_name_the_references_each_chunk_mentions() -> None:
    cited = {name for c in SEED_CHUNKS for name in c.cites}
    assert cited == {
        "ASPS", "Life Point Medical", "Science Direct", "PMC PubMed Central",
        "Stem Cell Research & Therapy", "Mayo Clinic",
    }  # fmt: skip
    (inflammation,) = [c for c in SEED_CHUNKS if "overcome cellular barriers" in c.text]
    assert inflammation.cites == ["Stem Cell Research & Therapy"]  # "and" matches "&", any case


def test_chunks_are_within_the_limit_and_end_at_sentences() -> None:
    for chunk in SEED_CHUNKS:
        assert len(chunk.text) <= MAX_CHARS
        assert chunk.text[-1] in '.!?:”"', chunk.text[-40:]


def test_ids_are_stable_and_unique() -> None:
    again = chunk_document(parse_file(CORPUS / "exosome-therapy-plastic-surgery.md")[0])
    assert [c.chunk_id for c in again] == [c.chunk_id for c in SEED_CHUNKS]
    assert len({c.chunk_id for c in SEED_CHUNKS}) == len(SEED_CHUNKS)


def test_sentence_splitter_keeps_abbreviations() -> None:
    text = "Dr. Menapace. says, “It works.” Results vary, e.g. by skin type. J. Smith agrees! Ok?"
    assert split_sentences(text) == [
        "Dr. Menapace. says, “It works.”",
        "Results vary, e.g. by skin type.",
        "J. Smith agrees!",
        "Ok?",
    ]


def test_long_paragraph_splits_between_sentences(tmp_path: Path) -> None:
    sentence = "Patients usually return to light duties within two weeks of surgery. "
    path = tmp_path / "long.md"
    path.write_text("# Recovery\n\n" + sentence * 40, encoding="utf-8")
    chunks = chunk_document(parse_file(path)[0])
    assert len(chunks) >= 3
    for chunk in chunks:
        assert len(chunk.text) <= MAX_CHARS
        assert chunk.text.startswith("Patients") and chunk.text.endswith("surgery.")


def _doc(paragraphs: list[str], heading: str) -> Document:
    build = DocumentBuilder(Document("d", "Title", "", "mem"))
    build.heading(heading, 2)
    for p in paragraphs:
        build.paragraph(p, 1)
    build.bullet_list(paragraphs[:2], 2)
    return build.finish()


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=3000)


@settings(max_examples=150, deadline=None)
@given(st.lists(_text, min_size=1, max_size=5), _text)
def test_any_text_chunks_without_crash_loss_or_oversize(
    paragraphs: list[str], heading: str
) -> None:
    doc = _doc(paragraphs, heading)
    chunks = chunk_document(doc)
    for chunk in chunks:
        assert 0 < len(chunk.text) <= MAX_CHARS
    source = "".join(
        w
        for s in doc.sections
        for b in s.blocks
        for w in re.findall(r"\S", b.text + "".join(b.items))
    )
    shown = "".join(re.findall(r"\S", "".join(c.text for c in chunks)))
    # Nothing is lost: every visible character of the source is shown, in order
    # (chunking only adds separators such as ";" between list items).
    it = iter(shown)
    assert all(ch in it for ch in source)


def test_references_match_aliases() -> None:
    build = DocumentBuilder(Document("d", "T", "", "mem"))
    build.heading("H", 2)
    build.paragraph("The American Society of Plastic Surgeons reports growth.", 1)
    doc = build.finish()
    doc.references = [Reference("ASPS", "", ["American Society of Plastic Surgeons"])]
    assert chunk_document(doc)[0].cites == ["ASPS"]
