"""What a build takes over from the active version, so a re-index does little work.

A file whose bytes (and the parsing code) are unchanged keeps its passages; a passage
whose embedded text is unchanged (same model) keeps its vectors and its words. Keys are
hashes of a passage's embedded text, so a passage that moved keeps them too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.articles import chunking, corpus, documents, frontmatter, html, jsonl, markdown, text
from bot.articles.chunking import Chunk, chunk_document
from bot.articles.corpus import files as corpus_files
from bot.articles.corpus import load_corpus, parse_file
from bot.index.versions import IndexError_, read_files, read_tokens, read_version, version_folder
from bot.search.embedder import Embedder
from bot.search.lexical import Tokens
from bot.search.vectors import SentenceVectors
from bot.settings import Settings


@dataclass
class Reusable:
    """The active version's vectors and words, found by the hash of a chunk's text."""

    rows: dict[str, int]  # the row of each chunk text in the active version
    keys: list[str]  # the key of each of its rows
    vectors: np.ndarray  # its chunk vectors
    sentences: SentenceVectors | None
    tokens: Tokens | None = None  # its chunks' words (None before they were saved)
    files: dict[str, Any] = field(default_factory=dict)  # its corpus files (`chunk_corpus`)

    @classmethod
    def nothing(cls, dim: int) -> Reusable:
        return cls({}, [], np.zeros((0, dim), dtype=np.float32), None)


def chunk_key(chunk: Chunk) -> str:
    return hashlib.sha1(chunk.embed_text().encode()).hexdigest()


def reusable(settings: Settings, embedder: Embedder) -> tuple[Reusable, list[Chunk]]:
    """Vectors and words of the active version, when it was built with the same model."""
    try:
        manifest, chunks, vectors, sentences = read_version(settings, embedder)
    except IndexError_:
        return Reusable.nothing(embedder.dim), []
    tokens = read_tokens(version_folder(settings.index_dir, manifest.version))
    if tokens is not None and len(tokens) != len(chunks):
        tokens = None
    keys = [chunk_key(c) for c in chunks]
    stored = vectors.vectors(np.arange(len(chunks), dtype=np.int64))
    rows = {key: i for i, key in enumerate(keys)}
    files = read_files(version_folder(settings.index_dir, manifest.version))
    return Reusable(rows, keys, stored, sentences, tokens, files), chunks


def _parser_fingerprint() -> str:
    """A digest of the parsing and chunking code: chunks of a file are reused only under
    the code that made them."""
    digest = hashlib.sha256()
    for module in (documents, corpus, frontmatter, html, jsonl, markdown, text, chunking):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def chunk_corpus(
    corpus_dir: Path, previous: dict[str, Any], old_chunks: list[Chunk]
) -> tuple[list[Chunk], int, dict[str, Any]]:
    """Every chunk of the corpus, parsing only the files changed since the active version.

    An unchanged file (same bytes, same parsing code) keeps the active version's
    chunks. Returns the chunks, the number of documents, and what to record of each
    file for the next build. Any problem (a duplicate id, say) falls back to parsing
    the whole corpus, so errors read exactly as they always did.
    """
    fingerprint = _parser_fingerprint()
    known = previous.get("files", {}) if previous.get("parser") == fingerprint else {}
    chunks: list[Chunk] = []
    documents = 0
    files: dict[str, Any] = {}
    doc_ids: set[str] = set()
    sound = corpus_dir.is_dir()
    for path in corpus_files(corpus_dir) if sound else []:
        name = str(path.relative_to(corpus_dir))
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        old = known.get(name)
        start = len(chunks)
        if old and old["sha256"] == sha and old["end"] <= len(old_chunks):
            part = old_chunks[old["start"] : old["end"]]
            count = old["documents"]
        else:
            docs = parse_file(path)
            part = [chunk for doc in docs for chunk in chunk_document(doc)]
            count = len(docs)
            sound = sound and all(any(s.blocks for s in d.sections) for d in docs)
        ids = {c.doc_id for c in part}
        sound = sound and len(ids) == count and not ids & doc_ids
        doc_ids |= ids
        chunks.extend(part)
        documents += count
        files[name] = {"sha256": sha, "start": start, "end": len(chunks), "documents": count}
    if not sound or not documents:
        docs = load_corpus(corpus_dir)  # raises the error a full parse finds
        chunks = [chunk for doc in docs for chunk in chunk_document(doc)]
        return chunks, len(docs), {}
    return chunks, documents, {"parser": fingerprint, "files": files}


def copy_reused(
    sources: list[int | tuple[int, int, int]],
    starts: np.ndarray,
    reuse: Reusable,
    vectors: np.ndarray,
    framed: np.ndarray,
    bare: np.ndarray,
) -> None:
    """Copy the reused chunks' vectors, a run of consecutive old rows at a time."""
    rows = np.array([-1 if isinstance(s, tuple) else s for s in sources], dtype=np.int64)
    reused = np.flatnonzero(rows >= 0)
    vectors[reused] = reuse.vectors[rows[reused]]
    if reuse.sentences is None or not len(reused):
        return
    old = reuse.sentences
    # A run: new chunks i..j that were old rows r..r+(j-i), so their sentences are adjacent.
    breaks = np.flatnonzero((np.diff(reused) != 1) | (np.diff(rows[reused]) != 1)) + 1
    for run in np.split(reused, breaks):
        first, last = int(run[0]), int(run[-1])
        old_first, old_last = int(rows[first]), int(rows[last])
        target = slice(int(starts[first]), int(starts[last + 1]))
        source = slice(int(old.starts[old_first]), int(old.starts[old_last + 1]))
        framed[target] = old.framed[source]
        bare[target] = old.bare[source]
