"""Index versions on disk: build one atomically, point at it, load it.

Layout of the index folder::

    CURRENT                 the active version's id (replaced atomically)
    versions/<id>/          manifest.json, chunks.jsonl, vectors.faiss, sentences.npz
    versions/.tmp-<id>/     a build in progress; left behind only by a killed build

A build writes a whole version folder under a temporary name, renames it into
place, then swaps `CURRENT` with `os.replace`, so a build that fails or is
killed at any point leaves the previous version serving.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.chunking import Chunk, chunk_document
from bot.corpus import corpus_hash, load_corpus
from bot.embedder import Embedder
from bot.lexical import LexicalIndex
from bot.settings import Settings
from bot.vectors import SentenceVectors, VectorIndex

FORMAT = 2  # 2: per-sentence vectors (sentences.npz) next to the chunk vectors


class IndexError_(Exception):
    """The index cannot be built or loaded; the message says why and what to do."""


@dataclass
class Manifest:
    """What a version holds and how it was made."""

    version: str
    model: str
    dim: int
    corpus_hash: str
    documents: int
    chunks: int
    built_at: str
    build_seconds: float
    format: int = FORMAT


@dataclass
class LoadedIndex:
    """One version in memory: chunk records, vectors and the lexical index."""

    manifest: Manifest
    chunks: list[Chunk]
    vectors: VectorIndex
    lexical: LexicalIndex
    sentences: SentenceVectors


def _versions(index_dir: Path) -> Path:
    return index_dir / "versions"


def active_version(index_dir: Path) -> str | None:
    """The id named by `CURRENT`, or None before the first build."""
    try:
        return (index_dir / "CURRENT").read_text().strip() or None
    except FileNotFoundError:
        return None


def read_manifest(index_dir: Path, version: str | None = None) -> Manifest:
    """The manifest of `version` (default: the active one)."""
    version = version or active_version(index_dir)
    if version is None:
        raise IndexError_(f"no index in {index_dir}; run `bot index` first")
    path = _versions(index_dir) / version / "manifest.json"
    try:
        return Manifest(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise IndexError_(f"index version {version} is missing or corrupt ({exc})") from exc


def is_stale(settings: Settings) -> bool:
    """Whether the active index is missing or was built from another corpus or model."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexError_:
        return True
    return (
        manifest.corpus_hash != corpus_hash(settings.corpus_dir)
        or manifest.model != settings.model_id()
    )


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder; a second one is refused, not queued."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexError_(f"another build is running on {index_dir}; try again later") from exc
        yield


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def build_index(
    settings: Settings, embedder: Embedder | None = None, progress: bool = False
) -> Manifest:
    """Parse, chunk and embed the corpus into a new version, then make it active.

    Example: ``build_index(Settings(corpus_dir=Path("corpus")))``
    """
    started = time.perf_counter()
    index_dir = settings.index_dir
    with _build_lock(index_dir):
        docs = load_corpus(settings.corpus_dir)  # bad input stops here, before any write
        digest = corpus_hash(settings.corpus_dir)
        chunks = [chunk for doc in docs for chunk in chunk_document(doc)]
        embedder = embedder or Embedder.from_settings(settings)
        vectors = embedder.encode([c.embed_text() for c in chunks], progress=progress)
        framed = embedder.encode([t for c in chunks for t in c.sentence_embed_texts()])
        bare = embedder.encode([t for c in chunks for t in c.sentences()])
        sentences = SentenceVectors.build(framed, bare, [len(c.sentences()) for c in chunks])
        stamp = datetime.now(UTC)
        version = f"{stamp:%Y%m%dT%H%M%S}-{digest[:8]}"
        versions = _versions(index_dir)
        versions.mkdir(parents=True, exist_ok=True)
        for stale in versions.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed build
        tmp = versions / f".tmp-{version}"
        tmp.mkdir()
        VectorIndex.build(vectors).save(tmp / "vectors.faiss")
        sentences.save(tmp / "sentences.npz")
        _write(tmp / "chunks.jsonl", "".join(json.dumps(c.to_dict()) + "\n" for c in chunks))
        manifest = Manifest(
            version=version,
            model=settings.model_id(),
            dim=embedder.dim,
            corpus_hash=digest,
            documents=len(docs),
            chunks=len(chunks),
            built_at=stamp.isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        _write(tmp / "manifest.json", json.dumps(asdict(manifest), indent=2))
        _fsync_dir(tmp)
        final = versions / version
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        _write(index_dir / "CURRENT.tmp", version + "\n")
        os.replace(index_dir / "CURRENT.tmp", index_dir / "CURRENT")
        _fsync_dir(index_dir)
        _prune(versions, keep=settings.keep_versions, active=version)
        return manifest


def _prune(versions: Path, keep: int, active: str) -> None:
    old = sorted((p for p in versions.iterdir() if not p.name.startswith(".")), reverse=True)
    for path in old[keep:]:
        if path.name != active:
            shutil.rmtree(path, ignore_errors=True)


def load_index(settings: Settings, embedder: Embedder, version: str | None = None) -> LoadedIndex:
    """Load the active version (or `version`), refusing one made with another model."""
    manifest = read_manifest(settings.index_dir, version)
    if manifest.format != FORMAT:
        raise IndexError_(
            f"index version {manifest.version} has format {manifest.format}, this bot reads "
            f"format {FORMAT}; run `bot index` to rebuild"
        )
    if manifest.model != settings.model_id() or manifest.dim != embedder.dim:
        raise IndexError_(
            f"index version {manifest.version} was built with model {manifest.model!r} "
            f"({manifest.dim} dimensions) but the bot is configured with "
            f"{settings.model_id()!r} ({embedder.dim} dimensions); run `bot index` to rebuild"
        )
    folder = _versions(settings.index_dir) / manifest.version
    try:
        with open(folder / "chunks.jsonl", encoding="utf-8") as handle:
            chunks = [Chunk.from_dict(json.loads(line)) for line in handle]
        vectors = VectorIndex.load(folder / "vectors.faiss")
        sentences = SentenceVectors.load(folder / "sentences.npz")
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise IndexError_(f"index version {manifest.version} is corrupt ({exc})") from exc
    if (
        len(chunks) != manifest.chunks
        or len(vectors) != manifest.chunks
        or (len(sentences.starts) != manifest.chunks + 1)
    ):
        raise IndexError_(f"index version {manifest.version} is incomplete; run `bot index`")
    lexical = LexicalIndex([c.embed_text() for c in chunks], embedder.known_words)
    lexical.learn_topics([c.doc_id for c in chunks], {c.doc_id: c.title for c in chunks})
    return LoadedIndex(manifest, chunks, vectors, lexical, sentences)
