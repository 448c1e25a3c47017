"""The corpus folder as the content team sees it: each article with its title, date,
passage count, index status (live, changed, new, cannot be read) and medical-review date."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.articles import frontmatter as fm
from bot.articles.chunking import chunk_document
from bot.articles.corpus import files, parse_file
from bot.articles.documents import CorpusError, Document
from bot.index.versions import active_version, version_folder
from bot.settings import Settings


@dataclass
class Article:
    """A corpus file as the content page lists it."""

    filename: str
    title: str
    doc_id: str = ""
    date: dt.date | None = None
    chunks: int = 0
    status: str = "indexed"  # indexed | changed | new | error
    error: str = ""
    review_by: dt.date | None = None
    overdue: bool = False
    editable: bool = False


def review_by_of(path: Path, text: str) -> date | None:
    """The front matter's `review_by`, checked to be a date."""
    if path.suffix == ".html":
        return None
    meta, _, _ = fm.split(path, text)
    value = meta.get("review_by")
    if value in (None, "") or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        line = next(
            (n for n, t in enumerate(text.splitlines(), 1) if t.startswith("review_by:")), 1
        )
        raise CorpusError(
            path, line, f"review_by must be a date like 2026-03-01, not {value!r}"
        ) from exc


def review_due(
    settings: Settings, doc: Document, review_by: date | None
) -> tuple[date | None, bool]:
    """When an article is due for medical review, and whether that date has passed.

    Front matter `review_by` wins; otherwise `BOT_REVIEW_AFTER_DAYS` after the article
    was reviewed (or, failing that, published). An article with neither date is due now.
    """
    if review_by is None:
        since = doc.reviewed_on or doc.published
        review_by = since + timedelta(days=settings.review_after_days) if since else None
    return review_by, review_by is None or review_by < date.today()


def _indexed_chunks(settings: Settings) -> dict[str, set[str]]:
    version = active_version(settings.index_dir)
    if version is None:
        return {}
    return _chunks_of(settings.index_dir, version)


_CHUNK_CACHE: dict[tuple[str, str], dict[str, set[str]]] = {}


def _chunks_of(index_dir: Path, version: str) -> dict[str, set[str]]:
    """Chunk ids per document of one version (versions never change, so it is cached)."""
    key = (str(index_dir), version)
    if key not in _CHUNK_CACHE:
        by_doc: dict[str, set[str]] = {}
        try:
            with open(version_folder(index_dir, version) / "chunks.jsonl", encoding="utf-8") as f:
                for line in f:
                    record: dict[str, Any] = json.loads(line)
                    by_doc.setdefault(record["doc_id"], set()).add(record["chunk_id"])
        except (OSError, ValueError):
            return {}
        _CHUNK_CACHE.clear()
        _CHUNK_CACHE[key] = by_doc
    return _CHUNK_CACHE[key]


def list_articles(settings: Settings, with_index: bool = True) -> list[Article]:
    """Every corpus file with its title, date, chunk count, index status and review date."""
    indexed = _indexed_chunks(settings) if with_index else {}
    articles = []
    for path in files(settings.corpus_dir) if settings.corpus_dir.is_dir() else []:
        name = str(path.relative_to(settings.corpus_dir))
        editable = path.suffix in (".md", ".txt") and path.parent == settings.corpus_dir
        try:
            docs = parse_file(path)
            review_by = review_by_of(path, path.read_text(encoding="utf-8-sig"))
        except CorpusError as exc:
            articles.append(Article(name, name, status="error", error=str(exc)))
            continue
        for doc in docs:
            chunk_ids = {c.chunk_id for c in chunk_document(doc)} if with_index else set()
            in_index = indexed.get(doc.doc_id)
            status = (
                "new" if in_index is None else "indexed" if in_index == chunk_ids else "changed"
            )
            due, overdue = review_due(settings, doc, review_by)
            articles.append(
                Article(
                    name,
                    doc.title,
                    doc.doc_id,
                    doc.reviewed_on or doc.published,
                    len(in_index or chunk_ids),
                    status,
                    "",
                    due,
                    overdue,
                    editable,
                )  # fmt: skip
            )
    return articles
