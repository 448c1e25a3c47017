"""Latency of one question inside the process: embed, search, decide, and the whole `ask`."""

from __future__ import annotations

import random
import time
from typing import Any

from bench.common import percentiles


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def ask_latency(answerer: Any, questions: list[str], warmup: int = 30) -> dict[str, Any]:
    """Whole `Answerer.ask` on distinct questions, and its parts on the same questions.

    Parts are timed in order on a question not seen before: the embedding (cache
    empty), then the search with that embedding cached, then `ask` with the search
    cached, which leaves the decision (urgent check, typo repair, thresholds, reply).
    """
    for q in questions[-warmup:]:
        answerer.ask(q)
    measured = questions[: len(questions) - warmup]
    half = len(measured) // 2
    whole = []
    for q in measured[:half]:
        start = time.perf_counter()
        answerer.ask(q)
        whole.append(_ms(start))
    retriever = answerer.retriever
    embed, search, decide = [], [], []
    for q in measured[half:]:
        query = retriever.index.lexical.correct(q)
        start = time.perf_counter()
        retriever.embed(query)
        embed.append(_ms(start))
        start = time.perf_counter()
        retriever.search(query)
        search.append(_ms(start))
        start = time.perf_counter()
        answerer.ask(q)
        decide.append(_ms(start))
    return {
        "ask_ms": percentiles(whole),
        "embed_ms": percentiles(embed),
        "search_ms": percentiles(search),
        "decide_ms": percentiles(decide),
    }


def repeated_stream(questions: list[str], count: int, share: float, popular: int) -> list[str]:
    """`count` questions of which `share` repeat one of `popular` favourites (Zipf-like)."""
    rng = random.Random(0)
    favourites = questions[:popular]
    fresh = iter(questions[popular:])
    weights = [1 / (rank + 1) for rank in range(popular)]
    return [
        rng.choices(favourites, weights)[0] if rng.random() < share else next(fresh)
        for _ in range(count)
    ]


def stream_latency(answerer: Any, stream: list[str]) -> dict[str, Any]:
    times = []
    for q in stream:
        start = time.perf_counter()
        answerer.ask(q)
        times.append(_ms(start))
    return {"ask_ms": percentiles(times)}
