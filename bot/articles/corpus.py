"""Reading the corpus folder: which files are articles, parsing each, and its digest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from bot.articles import html, jsonl, markdown, text
from bot.articles.documents import CorpusError, Document, read_text, slugify

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".jsonl")


def files(corpus_dir: Path) -> Iterator[Path]:
    """The article files under `corpus_dir`, in order, skipping hidden ones."""
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and not any(
            p.startswith(".") for p in path.relative_to(corpus_dir).parts
        ):
            yield path


def parse_file(path: Path) -> list[Document]:
    """Parse one article file (or one JSON Lines bulk file) into documents."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CorpusError(
            path, None, f"unknown file type {suffix or '(none)'}; expected one of {SUFFIXES}"
        )
    content = read_text(path)
    if suffix == ".jsonl":
        return jsonl.parse(path, content)
    doc_id = slugify(path.stem)
    if suffix in (".md", ".markdown"):
        return [markdown.parse(path, content, doc_id)]
    if suffix == ".txt":
        return [text.parse(path, content, doc_id)]
    return [html.parse(path, content, doc_id)]


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Every document under `corpus_dir`; the first bad file stops the load."""
    if not corpus_dir.is_dir():
        raise CorpusError(corpus_dir, None, "the corpus folder does not exist")
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for path in files(corpus_dir):
        for doc in parse_file(path):
            if doc.doc_id in seen:
                line = None
                if doc.source.startswith(f"{path}:"):
                    line = int(doc.source.rsplit(":", 1)[1])
                raise CorpusError(
                    path, line, f"duplicate document id {doc.doc_id!r} (also in {seen[doc.doc_id]})"
                )
            seen[doc.doc_id] = doc.source
            if not any(s.blocks for s in doc.sections):
                raise CorpusError(path, None, f"document {doc.doc_id!r} has no text")
            docs.append(doc)
    if not docs:
        raise CorpusError(corpus_dir, None, "the corpus folder holds no articles")
    return docs


def corpus_hash(corpus_dir: Path) -> str:
    """A digest of the corpus files' names and bytes, to tell when the index is stale."""
    digest = hashlib.sha256()
    for path in files(corpus_dir):
        digest.update(str(path.relative_to(corpus_dir)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]
