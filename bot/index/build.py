"""Building an index version: parse, chunk, embed what changed, check quality, activate.

Incremental (`bot.index.takeover`): unchanged files keep their chunks, and a chunk whose
embedded text is unchanged since the active version (same model) keeps its vectors
and words, so re-indexing after one changed article embeds only its chunks; the BM25
index is then computed from all chunks' words and saved in the version folder with
the rest. `full=True` embeds everything again.

Gated: before a build becomes active, `bot eval` runs on it; if hit@3 or
abstention drops by more than `BOT_GATE_MARGIN` against the active version, the
build is kept but not activated (`force=True` activates it anyway). The active
version is evaluated again only when its manifest has no figures for the same eval
file and answering settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from bot.articles.chunking import Chunk
from bot.articles.corpus import corpus_hash
from bot.index.cluster_lock import cluster_lock
from bot.index.takeover import Reusable, chunk_corpus, chunk_key, copy_reused, reusable
from bot.index.versions import (
    IndexError_,
    LoadedIndex,
    Manifest,
    activate,
    active_version,
    build_lock,
    load_index,
    new_version_id,
    read_manifest,
    save_manifest,
    write_version,
)
from bot.log.database import Database
from bot.search.embedder import Embedder
from bot.search.lexical import LexicalIndex, TokensBuilder
from bot.search.vectors import SentenceVectors, VectorIndex
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.replies.answerer import Answerer

log = logging.getLogger("bot")

GATED = ("hit@3", "abstention", "triage_sensitivity_A", "triage_sensitivity_AB")
LISTED = 20  # document ids named in a build's history, per kind of change

Progress = Callable[[float], None]
PROGRESS_SLICE = 512  # texts encoded between two progress reports


class GateFailed(IndexError_):
    """The new version scored worse than the active one; it was kept, not activated."""

    def __init__(self, version: str, reason: str) -> None:
        self.version = version
        super().__init__(
            f"version {version} was built but not activated: {reason}. "
            f"Use `bot index --force` (or `bot index --activate {version}`) to activate it anyway"
        )


def _lexical(
    chunks: list[Chunk], keys: list[str], reuse: Reusable, known: frozenset[str]
) -> LexicalIndex:
    """The lexical index of `chunks`, splitting into words only those not in `reuse`."""
    old = reuse.tokens
    builder = TokensBuilder(old)
    for chunk, key in zip(chunks, keys, strict=True):
        row = reuse.rows.get(key) if old is not None else None
        if row is None:
            builder.add_text(chunk.embed_text())
        else:
            builder.add_ids(old.span(row))  # type: ignore[union-attr]
    lexical = LexicalIndex.from_tokens(builder.tokens(), known)
    lexical.learn_topics([c.doc_id for c in chunks], {c.doc_id: c.title for c in chunks})
    lexical.learn_documents([c.doc_id for c in chunks])
    return lexical


def _encode_all(
    texts: list[str], embedder: Embedder, progress: bool, report: Progress
) -> np.ndarray:
    """Encode in slices so a long build can report how far it has got."""
    parts = []
    for start in range(0, len(texts), PROGRESS_SLICE):
        parts.append(embedder.encode(texts[start : start + PROGRESS_SLICE], progress=progress))
        report(min(1.0, (start + PROGRESS_SLICE) / len(texts)))
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def _embed(
    chunks: list[Chunk],
    keys: list[str],
    reuse: Reusable,
    embedder: Embedder,
    progress: bool,
    on_progress: Callable[[str, float], None],
) -> tuple[VectorIndex, SentenceVectors, int]:
    """Vectors for `chunks`, embedding only those not in `reuse`; returns how many were new."""
    todo = [c for c, k in zip(chunks, keys, strict=True) if k not in reuse.rows]
    texts = [c.embed_text() for c in todo]
    framed_texts = [t for c in todo for t in c.sentence_embed_texts()]
    bare_texts = [t for c in todo for t in c.sentences()]
    total = max(1, len(texts) + len(framed_texts) + len(bare_texts))
    done = 0

    def step(count: int) -> Progress:
        base = done
        return lambda share: on_progress("embedding", (base + share * count) / total)

    fresh_chunk = _encode_all(texts, embedder, progress, step(len(texts)))
    done += len(texts)
    fresh_framed = _encode_all(framed_texts, embedder, progress, step(len(framed_texts)))
    done += len(framed_texts)
    fresh_bare = _encode_all(bare_texts, embedder, progress, step(len(bare_texts)))
    # Where each chunk's vectors come from: ("old", row) in the active version, or
    # ("new", n) among the fresh ones (a text occurring twice takes its last embedding).
    fresh: dict[str, tuple[int, int, int]] = {}
    at = 0
    for n, chunk in enumerate(todo):
        count = len(chunk.sentences())
        fresh[chunk_key(chunk)] = (n, at, at + count)
        at += count
    old_starts = reuse.sentences.starts if reuse.sentences else np.zeros(1, dtype=np.int64)
    sources: list[int | tuple[int, int, int]] = [fresh.get(k) or reuse.rows[k] for k in keys]
    counts = [
        s[2] - s[1] if isinstance(s, tuple) else int(old_starts[s + 1] - old_starts[s])
        for s in sources
    ]
    starts = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    vectors = np.empty((len(chunks), embedder.dim), dtype=np.float32)
    framed = np.empty((int(starts[-1]), embedder.dim), dtype=np.float16)
    bare = np.empty_like(framed)
    for i, source in enumerate(sources):
        if isinstance(source, tuple):
            n, first, last = source
            vectors[i] = fresh_chunk[n]
            framed[starts[i] : starts[i + 1]] = fresh_framed[first:last]
            bare[starts[i] : starts[i + 1]] = fresh_bare[first:last]
    copy_reused(sources, starts, reuse, vectors, framed, bare)
    sentences = SentenceVectors(framed, bare, starts)
    return VectorIndex.build(vectors), sentences, len(todo)


def _changes(
    old: list[Chunk], old_keys_: list[str], new: list[Chunk], new_keys_: list[str], embedded: int
) -> dict[str, object]:
    """What changed since the active version, for the build history."""

    def by_doc(chunks: list[Chunk], keys: list[str]) -> dict[str, set[str]]:
        docs: dict[str, set[str]] = {}
        for c, key in zip(chunks, keys, strict=True):
            docs.setdefault(c.doc_id, set()).add(key)
        return docs

    before, after = by_doc(old, old_keys_), by_doc(new, new_keys_)
    old_keys = {k for keys in before.values() for k in keys}
    new_keys = {k for keys in after.values() for k in keys}
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(d for d in set(after) & set(before) if after[d] != before[d])
    # Names are listed up to a point: a bulk corpus adds thousands at once.
    return {
        "documents_added": added[:LISTED],
        "documents_removed": removed[:LISTED],
        "documents_changed": changed[:LISTED],
        "documents_added_count": len(added),
        "documents_removed_count": len(removed),
        "documents_changed_count": len(changed),
        "chunks_added": len(new_keys - old_keys),
        "chunks_removed": len(old_keys - new_keys),
        "chunks_embedded": embedded,
    }


def _evaluate(settings: Settings, index: LoadedIndex, embedder: Embedder) -> dict[str, float]:
    from bot.quality import evaluation
    from bot.replies.answerer import Answerer

    cases = evaluation.load_cases(settings.eval_file)
    answerer = Answerer(settings, index, embedder)
    results = evaluation.metrics(evaluation.run(answerer, cases))
    return {k: round(float(v), 4) for k, v in results.items()} | _triage(answerer)


def _triage(answerer: Answerer) -> dict[str, float]:
    """Red-flag triage on the repo's labelled sets (cached: it does not depend on the
    articles, only on the catalogue and the model)."""
    from bot.quality import triage
    from bot.replies.triage.detector import CACHE_DIR

    return triage.cached_figures(answerer.triage, CACHE_DIR)


def _active_eval(
    settings: Settings, version: str, key: str, embedder: Embedder
) -> dict[str, float]:
    """The active version's eval figures: as recorded, if measured the same way, else measured."""
    manifest = read_manifest(settings.index_dir, version)
    if manifest.eval and manifest.eval_key == key:
        return manifest.eval
    return _evaluate(settings, load_index(settings, embedder, version), embedder)


def _curation(settings: Settings, chunks: list[Chunk]) -> dict[str, Any]:
    """Pins and hidden passages this build changes ("pinned passage changed — review"),
    for the build's report; never a reason to hold a build back."""
    from bot.curation.store import Curation

    nothing: dict[str, Any] = {"checked": True, "pins": [], "hidden": []}
    db = Database(settings)
    path = db.url.database
    if db.url.get_backend_name() == "sqlite" and path and not Path(path).is_file():
        return nothing  # no database yet, so nothing curated
    try:
        if not inspect(db.engine).has_table("pins"):
            return nothing  # a database no server has set up yet
        return {"checked": True} | Curation(db).changed({c.chunk_id for c in chunks})
    except (SQLAlchemyError, OSError) as exc:
        log.warning("curation not checked: %s", exc)
        return {"checked": False, "error": str(exc).splitlines()[0]}
    finally:
        db.dispose()


def _gate(settings: Settings, new: dict[str, float], old: dict[str, float]) -> dict[str, object]:
    drops = [
        f"{name} fell from {old[name]:.3f} to {new[name]:.3f}"
        for name in GATED
        if name in old and name in new and old[name] - new[name] > settings.gate_margin
    ]
    missed = new.get("triage_canonical_missed", 0.0)
    if missed:
        drops.append(f"red-flag triage missed {missed:.0f} of the canonical emergencies")
    return {"passed": not drops, "reason": "; ".join(drops)}


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = False,
    full: bool = False,
    force: bool = False,
    built_by: str = "cli",
    on_progress: Callable[[str, float], None] | None = None,
) -> Manifest:
    """Build a new version from the corpus and activate it if it passes the quality gate.

    `progress` shows progress bars (a terminal); `on_progress(stage, share)` reports the
    stage ("parsing", "embedding", "writing", "evaluating", "activating") and how much of
    it is done, for the content page.

    Example: ``build_index(Settings(corpus_dir=Path("corpus")))``
    """
    started = time.perf_counter()
    index_dir = settings.index_dir
    report = on_progress or (lambda stage, share: None)
    with build_lock(index_dir), cluster_lock(settings):
        report("parsing", 0.0)
        embedder = embedder or Embedder.from_settings(settings)
        reuse, old_chunks = reusable(settings, embedder)
        old_keys = reuse.keys
        if full:
            reuse = Reusable.nothing(embedder.dim)
        # Bad input stops here, before any write.
        chunks, documents, files = chunk_corpus(settings.corpus_dir, reuse.files, old_chunks)
        digest = corpus_hash(settings.corpus_dir)
        keys = [chunk_key(c) for c in chunks]
        known_words = embedder.known_words
        with ThreadPoolExecutor(1) as pool:  # words on one core while vectors are made
            words = pool.submit(_lexical, chunks, keys, reuse, known_words)
            vectors, sentences, embedded = _embed(chunks, keys, reuse, embedder, progress, report)
            lexical = words.result()
        report("writing", 0.0)
        manifest = Manifest(
            version=new_version_id(digest),
            model=settings.model_id(),
            dim=embedder.dim,
            corpus_hash=digest,
            documents=documents,
            chunks=len(chunks),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=0.0,
            built_by=built_by,
            changes=_changes(old_chunks, old_keys, chunks, keys, embedded),
            vectors=vectors.describe(),
        )
        gated = settings.eval_file.is_file()
        with ThreadPoolExecutor(1) as pool:
            # The gate's eval runs on the new version in memory (as loading it would give)
            # while it is written: one core computes while the other writes.
            new_index = LoadedIndex(manifest, chunks, vectors, lexical, sentences)
            evaluating = pool.submit(_evaluate, settings, new_index, embedder) if gated else None
            folder = write_version(index_dir, manifest, chunks, vectors, sentences, lexical, files)
            if evaluating is not None:
                report("evaluating", 0.0)
                manifest.eval = evaluating.result()
        del reuse  # the active version's arrays, no longer needed
        previous = active_version(index_dir)
        if gated:
            from bot.quality.evaluation import eval_key

            manifest.eval_key = eval_key(settings, settings.eval_file)
            if previous:
                old_eval = _active_eval(settings, previous, manifest.eval_key, embedder)
                manifest.gate = _gate(settings, manifest.eval, old_eval)
        manifest.curation = _curation(settings, chunks)
        manifest.build_seconds = round(time.perf_counter() - started, 3)
        save_manifest(folder, manifest)
        if manifest.gate and not manifest.gate["passed"] and not force:
            raise GateFailed(manifest.version, str(manifest.gate["reason"]))
        report("activating", 1.0)
        activate(index_dir, manifest.version, settings.keep_versions)
        log.info("activated index version %s", manifest.version)
        return manifest


def activate_version(settings: Settings, version: str) -> None:
    """Activate a kept version (one the gate held back, or an older one)."""
    with build_lock(settings.index_dir), cluster_lock(settings):
        activate(settings.index_dir, version, settings.keep_versions)
