"""What red-flag triage adds to a reply: `Answerer.ask` with and without it, and the
detector alone, on messages not seen before (nothing cached).

Example: python -m bench.triage

The target (issue 12): detection adds at most 10 ms at p95 to a reply. Appends to
bench/results.jsonl like the other benches.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Results, percentiles

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class NoTriage:
    """A detector that never flags: the reply path as it would be without triage."""

    def __init__(self, real: Any) -> None:
        self.catalogue, self.languages = real.catalogue, real.languages

    def detect(self, message: str) -> None:
        return None

    def language_of(self, message: str) -> None:
        return None


def _fresh(answerer: Any) -> None:
    """Forget every cached vector and search, so the next question is new to the server."""
    answerer.retriever.embedder.forget()
    answerer.retriever._cached.cache_clear()


def measure(answerer: Any, plain: Any, texts: list[str]) -> dict[str, Any]:
    """Each message asked twice, caches emptied before each: once with triage, once
    without (alternating which goes first); the difference is what triage adds."""
    with_triage, without, added = [], [], []
    for n, text in enumerate(texts):
        times = {}
        for who in (answerer, plain) if n % 2 else (plain, answerer):
            _fresh(who)
            start = time.perf_counter()
            who.ask(text)
            times[id(who)] = (time.perf_counter() - start) * 1000
        with_triage.append(times[id(answerer)])
        without.append(times[id(plain)])
        added.append(times[id(answerer)] - times[id(plain)])
    return {
        "ask_with_triage_ms": percentiles(with_triage),
        "ask_without_triage_ms": percentiles(without),
        "added_ms": percentiles(added),
    }


def main() -> None:
    from bot.index.build import build_index
    from bot.index.versions import load_index
    from bot.quality import triage as evaluation
    from bot.replies.answerer import Answerer
    from bot.replies.triage.detector import Triage
    from bot.search.embedder import Embedder, set_threads
    from bot.search.vectors import set_threads as faiss_threads
    from bot.settings import Settings

    set_threads(1)
    faiss_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(index_dir=Path(folder) / "index", data_dir=Path(folder) / "data")
        embedder = Embedder.from_settings(settings)
        build_index(settings, embedder)
        index = load_index(settings, embedder)
        triage = Triage.shared(embedder)
        answerer = Answerer(settings, index, embedder, triage=triage)
        plain = Answerer(settings, index, embedder, triage=NoTriage(triage))  # type: ignore[arg-type]
        texts = list(dict.fromkeys(c.text for c in evaluation.default_cases()))
        for text in texts[-60:]:  # warm both paths (lingua's models load on first use)
            answerer.ask(text)
            plain.ask(text)
        figures = measure(answerer, plain, texts[:-60])
    results = Results("triage")
    results.add("triage", "clinic", messages=len(texts) - 60, **figures)
    print(results.table())


if __name__ == "__main__":
    main()
