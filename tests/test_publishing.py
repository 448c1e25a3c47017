"""Publishing core: uploads are checked before anything is written; save, edit, delete."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.articles import library, publishing
from bot.settings import Settings
from tests.conftest import write

ARTICLE = """---
title: Flying After a Facelift
published: 2025-01-10
references:
  - name: Mayo Clinic
---
# When can I fly?

Most patients can fly about two weeks after a facelift, once the surgeon has checked the
wounds. The Mayo Clinic advises walking the aisle on long flights to keep blood moving.
"""
REST = " ".join(f"Patients heal in week {i} with rest and gentle walks." for i in range(8))


@pytest.fixture
def local(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    write(corpus, "recovery.md", "---\ntitle: Recovery\n---\n# Rest\n\nPatients heal with rest.\n")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "i", data_dir=tmp_path / "d")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def reasons(found: publishing.Candidate) -> str:
    return " | ".join(f"{p.line}:{p.field}:{p.reason}" for p in found.problems)


def test_a_good_article_previews_its_passages(local: Settings) -> None:
    found = publishing.check_upload(local, "Flying After Facelift.md", ARTICLE.encode())
    assert found.ok, reasons(found)
    assert found.filename == "flying-after-facelift.md" and not found.replaces
    assert found.doc is not None and found.doc.title == "Flying After a Facelift"
    [chunk] = found.chunks
    assert chunk.section == "When can I fly?" and chunk.cites == ["Mayo Clinic"]
    assert "two weeks" in chunk.text


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("big.md", b"# Big\n\n" + b"word " * 300_000, "larger than"),
        ("scan.md", b"%PDF-1.7\n\x00\x01binary", "binary"),
        ("image.txt", b"\x89PNG\r\n\x1a\n....", "binary"),
        ("latin.md", "# Caf\u00e9\n\nline two\nna\u00efve\n".encode("latin-1"), "1::not UTF-8"),
        ("../evil.md", ARTICLE.encode(), "plain name"),
        ("..\\evil.md", ARTICLE.encode(), "plain name"),
        ("notes.docx", b"hello", "only .md"),
        ("page.html", b"just text, no markup at all", "no HTML"),
        ("page.md", b"<!doctype html><html><body><p>x</p></body></html>", "name it .html"),
        ("x.html", b"<html><body>\n<p>Hi</p>\n<script>alert(1)</script>\n</body></html>", "3::"),
        ("x.html", b"<article>\n<img src=x onerror=alert(1)>\n</article>", "2::"),
        ("x.html", b"<article>\n<p><a href='javascript:alert(1)'>a</a></p>\n</article>", "2::"),
        ("x.html", b"<article>\n<p>a</p>\n<iframe src=//evil></iframe></article>", "3::"),
        ("x.md", b"# T\n\nText <object data=x></object>\n", "3::"),
        ("broken.md", b"---\ntitle: Ok\npublished: [2025\n---\n# A\n\nText.\n", "3:published:"),
        ("dated.md", b"---\ntitle: Ok\nreviewed_on: soon\n---\n# A\n\nText.\n", "reviewed_on"),
        ("review.md", b"---\ntitle: Ok\nreview_by: later\n---\n# A\n\nText.\n", "3:review_by:"),
        ("unknown.md", b"---\ntitle: Ok\nauthor: me\n---\n# A\n\nText.\n", "3:author:"),
        ("empty.md", b"  \n", "empty"),
    ],
)
def test_bad_uploads_are_refused_with_the_line_and_nothing_changes(
    local: Settings, name: str, data: bytes, expected: str
) -> None:
    before = snapshot(local.corpus_dir)
    found = publishing.check_upload(local, name, data)
    assert not found.ok
    assert expected in reasons(found)
    assert snapshot(local.corpus_dir) == before


def test_the_latin1_problem_quotes_its_line(local: Settings) -> None:
    found = publishing.check_upload(local, "l.md", b"# Title\n\nok\ncaf\xe9 au lait\n")
    [problem] = found.problems
    assert problem.line == 4 and problem.excerpt.startswith("caf")


def test_a_second_article_with_the_same_id_is_refused(local: Settings) -> None:
    write(local.corpus_dir, "sub/flying.md", ARTICLE)
    found = publishing.check_upload(local, "flying.md", ARTICLE.encode())
    assert "already has id 'flying'" in reasons(found)


def test_save_is_atomic_and_listed_then_deleted(local: Settings) -> None:
    found = publishing.check_upload(local, "flying.md", ARTICLE.encode())
    token = publishing.stage(local, found)
    saved = publishing.save(local, token)
    assert saved.ok and (local.corpus_dir / "flying.md").read_text() == ARTICLE
    assert not list(local.corpus_dir.glob(".tmp-*"))
    listed = {a.filename: a for a in library.list_articles(local)}
    assert listed["flying.md"].status == "new" and listed["flying.md"].chunks == 1
    with pytest.raises(publishing.PublishError):
        publishing.save(local, token)  # a token is used once
    publishing.delete(local, "flying.md")
    assert [a.filename for a in library.list_articles(local)] == ["recovery.md"]
    with pytest.raises(publishing.PublishError, match="only article"):
        publishing.delete(local, "recovery.md")
    with pytest.raises(publishing.PublishError):
        publishing.delete(local, "../recovery.md")


def test_editing_front_matter_keeps_the_body(local: Settings) -> None:
    write(local.corpus_dir, "flying.md", ARTICLE)
    values = publishing.front_matter(local, "flying.md")
    assert values["title"] == "Flying After a Facelift" and values["published"] == "2025-01-10"
    found = publishing.edit_front_matter(
        local, "flying.md", {**values, "reviewed_on": "2025-06-01", "review_by": "2026-06-01"}
    )
    assert found.ok, reasons(found)
    assert found.text.endswith(ARTICLE.split("---\n", 2)[2])
    assert "references:" in found.text and "Mayo Clinic" in found.text
    assert found.review_by == date(2026, 6, 1)
    bad = publishing.edit_front_matter(local, "flying.md", {**values, "published": "March"})
    assert [p.field for p in bad.problems] == ["published"]


def test_review_by_flags_stale_articles(local: Settings) -> None:
    old = (date.today() - timedelta(days=400)).isoformat()
    soon = (date.today() + timedelta(days=30)).isoformat()
    write(local.corpus_dir, "old.md", f"---\ntitle: Old\nreviewed_on: {old}\n---\n# A\n\nText.\n")
    write(local.corpus_dir, "kept.md", f"---\ntitle: Kept\nreview_by: {soon}\n---\n# A\n\nText.\n")
    listed = {a.filename: a for a in library.list_articles(local)}
    assert listed["old.md"].overdue
    assert listed["old.md"].review_by == date.fromisoformat(old) + timedelta(days=365)
    assert not listed["kept.md"].overdue and listed["kept.md"].review_by == date.fromisoformat(soon)
    assert listed["recovery.md"].overdue and listed["recovery.md"].review_by is None  # no date


def test_an_upload_previewed_on_one_server_is_saved_on_another(local: Settings) -> None:
    """Servers share the index folder, not their data folders: the staged upload waits
    where the server that gets the "save" can find it."""
    other = local.model_copy(update={"data_dir": local.data_dir.parent / "other-server"})
    token = publishing.stage(local, publishing.check_upload(local, "flying.md", ARTICLE.encode()))
    assert publishing.save(other, token).ok
    assert (local.corpus_dir / "flying.md").read_text() == ARTICLE
