"""Index builds: chunks per second for a full build, and a one-article re-index after it.

Both go through the `bot index` command, as the content team runs it. A build embeds
each chunk once and each of its sentences twice (framed by title and section, and
bare), so chunks per second counts all three; `texts_per_s` is the embedding rate.

The MedQuAD re-index alone, on a copy of the MedQuAD index the full bench built once
(no full build; nothing in bench/.cache is changed in place, its files may be hard
links shared with other checkouts):

    python -m bench.indexing --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import CACHE, MEDQUAD, ROOT, Results, Timer

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
    # This interpreter and this checkout's code (a worktree has no .venv of its own).
    command = [sys.executable, "-m", "bot.cli", "index", *extra]
    with Timer() as timer:
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
    version = (index / "CURRENT").read_text().strip()
    manifest = json.loads((index / "versions" / version / "manifest.json").read_text())
    return timer.seconds, manifest


def texts_embedded(corpus: Path) -> int:
    """Chunks plus framed and bare sentences: what a full build embeds."""
    from bot.articles.chunking import chunk_document
    from bot.articles.corpus import load_corpus

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


def _replace(path: Path, text: str) -> None:
    """Write `path` as a new file (never in place: it may be a hard link to another copy)."""
    tmp = path.parent.parent / f".{path.name}.bench-tmp"  # outside the corpus folder
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def upgrade(corpus: Path, index: Path) -> dict[str, Any] | None:
    """Rebuild once, unchanged, when the active version predates the saved lexical index.

    The re-index figure is then the content team's everyday case: a build after a build
    by the same code. Returns the upgrade build's figures, or None when none was needed.
    """
    version = (index / "CURRENT").read_text().strip()
    if (index / "versions" / version / "lexical").is_dir():
        return None
    wall, manifest = bot_index(corpus, index)
    return {"wall_s": round(wall, 2), "build_s": round(float(manifest["build_seconds"]), 2)}


def reindex_one_article(corpus: Path, index: Path, note: str = "") -> dict[str, Any]:
    """After a full build, edit one article and run `bot index` again.

    It is incremental once `bot index` reuses the vectors of unchanged chunks. `note`
    varies the edit, so repeated runs each change the article against the active version.
    """
    article = corpus / ARTICLE.name
    text = article.read_text(encoding="utf-8")
    _replace(
        article,
        text + f"\n\nA further note{note}: recovery times differ from one patient to another.\n",
    )
    try:
        wall, manifest = bot_index(corpus, index)
    finally:
        _replace(article, text)
    return {
        "wall_s": round(wall, 2),
        "build_s": round(float(manifest["build_seconds"]), 2),
        "chunks": manifest["chunks"],
        "embedded": manifest.get("changes", {}).get("chunks_embedded"),
    }


def reindex_medquad(results: Results, repeat: int) -> None:
    """One-article re-index on a copy of the clinic + MedQuAD index (built by `bench.run`)."""
    source = CACHE / "index-medquad"
    if not (source / "CURRENT").exists():
        raise SystemExit(f"no MedQuAD index in {source}: run `python -m bench.run` once")
    corpus = corpus_dir("reindex-medquad", None)
    index = CACHE / "index-reindex-medquad"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(source, index)  # copies, not links: the build writes in this folder
    upgraded = upgrade(corpus, index)
    if upgraded:
        results.add("reindex-upgrade", "medquad", **upgraded)
    for n in range(repeat):
        results.add("reindex-one", "medquad", **reindex_one_article(corpus, index, f" ({n})"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The MedQuAD one-article re-index alone.")
    parser.add_argument("--label", default="current", help="Name of this run in the results.")
    parser.add_argument("--repeat", type=int, default=3, help="Re-indexes, one after another.")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = Results(args.label)
    reindex_medquad(results, args.repeat)
    print()
    print(results.table())


if __name__ == "__main__":
    main()
