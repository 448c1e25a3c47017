"""Index versions on disk: build one atomically, point at it, load it.

Layout of the index folder::

    CURRENT                 the active version's id (replaced atomically)
    versions/<id>/          manifest.json, chunks.jsonl, vectors.faiss, sentences.npz,
                            lexical/ (BM25 matrix, each chunk's words, topics),
                            files.json (each corpus file's digest and chunk rows)
    versions/.tmp-<id>/     a build in progress; left behind only by a killed build

A build (see `bot.index.build`) writes a whole version folder under a temporary name,
renames it into place, then swaps `CURRENT` with `os.replace`, so a build that
fails or is killed at any point leaves the previous version serving.

Versions written before `lexical/` existed still load: their BM25 index is
computed from the chunks then, as it always was.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.articles.boilerplate import is_boilerplate
from bot.articles.chunking import Chunk
from bot.articles.corpus import corpus_hash
from bot.search.embedder import Embedder
from bot.search.lexical import LexicalIndex, Tokens
from bot.search.vectors import SentenceVectors, VectorIndex
from bot.settings import Settings

FORMAT = 2  # 2: per-sentence vectors (sentences.npz) next to the chunk vectors
LEXICAL = "lexical"  # the saved lexical index, in a version folder (optional)
FILES = "files.json"  # each corpus file's digest and chunk rows, for the next build (optional)


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
    built_by: str = ""
    changes: dict[str, Any] = field(default_factory=dict)  # documents and chunks added, ...
    eval: dict[str, Any] = field(default_factory=dict)  # `bot eval` metrics of this version
    gate: dict[str, Any] = field(default_factory=dict)  # {"passed": bool, "reason": str}
    # What `eval` was measured on (eval file and answering settings), so a later build
    # can reuse the figures instead of evaluating this version again.
    eval_key: str = ""
    vectors: dict[str, Any] = field(default_factory=dict)  # `VectorIndex.describe()`
    # Pins and hidden passages whose passage this version no longer holds (their questions
    # and chunk ids), for staff to review: {"checked", "pins", "hidden"}.
    curation: dict[str, Any] = field(default_factory=dict)


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
        data = json.loads(path.read_text())
        known = {f.name for f in fields(Manifest)}
        return Manifest(**{k: v for k, v in data.items() if k in known})
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
def build_lock(index_dir: Path) -> Iterator[None]:
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


def new_version_id(digest: str) -> str:
    """A sortable, unique id: build time (microseconds) and corpus digest."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{digest[:8]}"


def write_version(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: VectorIndex,
    sentences: SentenceVectors,
    lexical: LexicalIndex | None = None,
    files: dict[str, Any] | None = None,
) -> Path:
    """Write a complete version folder under a temporary name, then rename it into place.

    A folder without the `.tmp-` prefix is therefore always complete; the
    version is not active until `activate` points `CURRENT` at it.
    """
    versions = _versions(index_dir)
    versions.mkdir(parents=True, exist_ok=True)
    for stale in versions.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed build
    tmp = versions / f".tmp-{manifest.version}"
    tmp.mkdir()
    vectors.save(tmp / "vectors.faiss")
    sentences.mute(_boilerplate(chunks, sentences.starts))  # found once, when built
    sentences.save(tmp / "sentences.npz")
    if lexical is not None:
        lexical.save(tmp / LEXICAL)
    if files:
        _write(tmp / FILES, json.dumps(files))
    names = [f.name for f in fields(Chunk)]  # as Chunk.to_dict, without its deep copy
    lines = (json.dumps({n: getattr(c, n) for n in names}) + "\n" for c in chunks)
    _write(tmp / "chunks.jsonl", "".join(lines))
    save_manifest(tmp, manifest)
    _fsync_dir(tmp)
    final = versions / manifest.version
    tmp.rename(final)
    _fsync_dir(versions)
    return final


def save_manifest(folder: Path, manifest: Manifest) -> None:
    """(Re)write a version's manifest atomically."""
    _write(folder / "manifest.json.tmp", json.dumps(asdict(manifest), indent=2))
    os.replace(folder / "manifest.json.tmp", folder / "manifest.json")


def activate(index_dir: Path, version: str, keep: int) -> None:
    """Point `CURRENT` at `version` atomically; servers pick it up without a restart."""
    read_manifest(index_dir, version)  # refuses a missing or corrupt version
    _write(index_dir / "CURRENT.tmp", version + "\n")
    os.replace(index_dir / "CURRENT.tmp", index_dir / "CURRENT")
    _fsync_dir(index_dir)
    _prune(_versions(index_dir), keep=keep, active=version)


def list_versions(index_dir: Path) -> list[Manifest]:
    """Manifests of every complete version on disk, newest first (corrupt ones skipped)."""
    folder = _versions(index_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir(), reverse=True):
        if path.is_dir() and not path.name.startswith("."):
            try:
                found.append(read_manifest(index_dir, path.name))
            except IndexError_:
                continue
    return found


def rollback(index_dir: Path, keep: int, version: str | None = None) -> str:
    """Make `version` (default: the version built before the active one) active again."""
    current = active_version(index_dir)
    if version is None:
        older = [m.version for m in list_versions(index_dir) if current and m.version < current]
        if not older:
            raise IndexError_("there is no older version to roll back to")
        version = older[0]
    with build_lock(index_dir):
        activate(index_dir, version, keep)
    return version


def _prune(versions: Path, keep: int, active: str) -> None:
    old = sorted((p for p in versions.iterdir() if not p.name.startswith(".")), reverse=True)
    for path in old[keep:]:
        if path.name != active:
            shutil.rmtree(path, ignore_errors=True)


def version_folder(index_dir: Path, version: str) -> Path:
    """Where a version's files live."""
    return _versions(index_dir) / version


def load_index(settings: Settings, embedder: Embedder, version: str | None = None) -> LoadedIndex:
    """Load the active version (or `version`), refusing one made with another model."""
    manifest, chunks, vectors, sentences = read_version(settings, embedder, version)
    folder = version_folder(settings.index_dir, manifest.version)
    lexical = read_lexical(folder, embedder.known_words)
    if lexical is None:  # a version from before the lexical index was saved
        lexical = LexicalIndex([c.embed_text() for c in chunks], embedder.known_words)
        lexical.learn_topics([c.doc_id for c in chunks], {c.doc_id: c.title for c in chunks})
    elif len(lexical.tokens) != manifest.chunks:
        raise IndexError_(f"index version {manifest.version} is incomplete; run `bot index`")
    lexical.learn_documents([c.doc_id for c in chunks])
    return LoadedIndex(manifest, chunks, vectors, lexical, sentences)


def _boilerplate(chunks: list[Chunk], starts: np.ndarray) -> np.ndarray:
    """Which sentence rows are link-outs or lead-ins (`bot.articles.boilerplate`)."""
    mask = np.zeros(int(starts[-1]), dtype=bool)
    for n, chunk in enumerate(chunks):
        found = [is_boilerplate(s) for s in chunk.sentences()]
        if len(found) == starts[n + 1] - starts[n]:
            mask[starts[n] : starts[n + 1]] = found
    return mask


def read_lexical(folder: Path, known_words: frozenset[str] = frozenset()) -> LexicalIndex | None:
    """The lexical index saved in a version folder, or None when it has none."""
    if not (folder / LEXICAL).is_dir():
        return None
    try:
        return LexicalIndex.load(folder / LEXICAL, known_words)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexError_(f"index version {folder.name} is corrupt ({exc})") from exc


def read_files(folder: Path) -> dict[str, Any]:
    """What a version recorded of each corpus file (empty when it recorded nothing)."""
    try:
        data = json.loads((folder / FILES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_tokens(folder: Path) -> Tokens | None:
    """Each chunk's words as saved in a version folder (None when it has none)."""
    if not (folder / LEXICAL).is_dir():
        return None
    try:
        return LexicalIndex.load_tokens(folder / LEXICAL)
    except (OSError, ValueError, KeyError):
        return None  # only a saving: the next build splits the texts again


def _chunks(folder: Path) -> list[Chunk]:
    with open(folder / "chunks.jsonl", encoding="utf-8") as handle:
        return [Chunk.from_dict(json.loads(line)) for line in handle]


def read_chunks(index_dir: Path, version: str | None = None) -> list[Chunk]:
    """The passages of the active version (or `version`), without loading any vectors."""
    manifest = read_manifest(index_dir, version)
    try:
        return _chunks(_versions(index_dir) / manifest.version)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexError_(f"index version {manifest.version} is corrupt ({exc})") from exc


def read_version(
    settings: Settings, embedder: Embedder, version: str | None = None
) -> tuple[Manifest, list[Chunk], VectorIndex, SentenceVectors]:
    """A version's stored parts, checked complete and made with the configured model."""
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
        chunks = _chunks(folder)
        vectors = VectorIndex.load(folder / "vectors.faiss")
        sentences, muted = SentenceVectors.load(folder / "sentences.npz")
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise IndexError_(f"index version {manifest.version} is corrupt ({exc})") from exc
    if (
        len(chunks) != manifest.chunks
        or len(vectors) != manifest.chunks
        or (len(sentences.starts) != manifest.chunks + 1)
    ):
        raise IndexError_(f"index version {manifest.version} is incomplete; run `bot index`")
    if not muted:  # built before link-outs were recognised
        sentences.mute(_boilerplate(chunks, sentences.starts))
    return manifest, chunks, vectors, sentences
