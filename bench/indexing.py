"""Index builds: chunks per second for a full build, and a one-article re-index after it.

Both go through the `bot index` command, as the content team runs it. A build embeds
each chunk once and each of its sentences twice (framed by title and section, and
bare), so chunks per second counts all three; `texts_per_s` is the embedding rate.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench.common import CACHE, MEDQUAD, ROOT, VENV_BIN, Timer

ARTICLE = ROOT / "corpus" / "exosome-therapy-plastic-surgery.md"


def corpus_dir(name: str, medquad_docs: int | None) -> Path:
    """The clinic's articles, plus the first `medquad_docs` MedQuAD documents (all if None;
    none if 0), in a folder under bench/.cache."""
    folder = CACHE / f"corpus-{name}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy(ARTICLE, folder / ARTICLE.name)  # a copy: the re-index bench edits it
    if medquad_docs is None:
        (folder / "medquad.jsonl").symlink_to(MEDQUAD / "docs.jsonl")
    elif medquad_docs:
        with open(MEDQUAD / "docs.jsonl", encoding="utf-8") as source:
            lines = [line for _, line in zip(range(medquad_docs), source, strict=False)]
        (folder / "medquad.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder


def bot_index(corpus: Path, index: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    """Run `bot index`; wall seconds (process start to exit) and the new manifest."""
    env = {**os.environ, "BOT_CORPUS_DIR": str(corpus), "BOT_INDEX_DIR": str(index)}
    with Timer() as timer:
        subprocess.run(
            [str(VENV_BIN / "bot"), "index", *extra], env=env, check=True, capture_output=True
        )
    version = (index / "CURRENT").read_text().strip()
    manifest = json.loads((index / "versions" / version / "manifest.json").read_text())
    return timer.seconds, manifest


def texts_embedded(corpus: Path) -> int:
    """Chunks plus framed and bare sentences: what a full build embeds."""
    from bot.chunking import chunk_document
    from bot.corpus import load_corpus

    chunks = [c for d in load_corpus(corpus) for c in chunk_document(d)]
    return sum(1 + 2 * len(c.sentences()) for c in chunks)


def full_build(corpus: Path, index: Path) -> dict[str, Any]:
    if index.exists():
        shutil.rmtree(index)
    wall, manifest = bot_index(corpus, index)  # a fresh folder: a full build
    seconds = float(manifest["build_seconds"])
    texts = texts_embedded(corpus)
    return {
        "chunks": manifest["chunks"],
        "texts": texts,
        "build_s": round(seconds, 2),
        "wall_s": round(wall, 2),
        "chunks_per_s": round(manifest["chunks"] / seconds, 1),
        "texts_per_s": round(texts / seconds, 1),
        "vectors": manifest.get("vectors", {}),
    }


def reindex_one_article(corpus: Path, index: Path) -> dict[str, Any]:
    """After a full build, edit one article and run `bot index` again.

    It is incremental once `bot index` reuses the vectors of unchanged chunks.
    """
    article = corpus / ARTICLE.name
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text + "\n\nA further note: recovery times differ from one patient to another.\n",
        encoding="utf-8",
    )
    try:
        wall, manifest = bot_index(corpus, index)
    finally:
        article.write_text(text, encoding="utf-8")
    return {
        "wall_s": round(wall, 2),
        "build_s": round(float(manifest["build_seconds"]), 2),
        "chunks": manifest["chunks"],
        "embedded": manifest.get("changes", {}).get("chunks_embedded"),
    }
