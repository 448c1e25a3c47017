"""The benchmarks still run against the library; their figures belong to `make bench`.

Nothing here is timed: these check that each bench measures what it says (every part
of an answer, recall against exact search), so `make bench` cannot rot unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench import ann, inprocess
from bot.replies.answerer import Answerer
from bot.settings import ROOT


def test_in_process_latency_reports_every_part_of_an_answer(answerer: Answerer) -> None:
    lines = (ROOT / "tests" / "data" / "eval.jsonl").read_text(encoding="utf-8").splitlines()
    questions = list(dict.fromkeys(json.loads(line)["question"] for line in lines))[:50]
    measured = inprocess.ask_latency(answerer, questions, warmup=10)
    assert set(measured) == {"ask_ms", "embed_ms", "search_ms", "decide_ms"}
    assert measured["ask_ms"]["n"] == 20 and measured["embed_ms"]["n"] == 20
    for part in measured.values():
        assert 0 < part["p50"] <= part["p95"] <= part["p99"]


def test_a_repeat_stream_repeats_only_favourites_and_never_a_fresh_question() -> None:
    questions = [f"q{i}" for i in range(200)]
    stream = inprocess.repeated_stream(questions, 100, share=0.3, popular=10)
    fresh = [q for q in stream if q not in questions[:10]]
    assert len(fresh) == len(set(fresh))
    assert 15 <= 100 - len(fresh) <= 45


def test_the_ann_sweep_measures_recall_against_exact_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ann, "CACHE", tmp_path)
    rng = np.random.default_rng(0)
    base = rng.normal(size=(300, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = ann.synthetic(base, 50, seed=1)
    rows = ann.run(base, queries, 6_000, nprobes=[1, 400])
    flat, few, every = rows
    assert flat["type"] == "flat" and flat["recall_at_10"] == 1.0
    assert few["type"] == every["type"] == "ivf" and few["cells"] == int(4 * np.sqrt(6_000))
    assert every["recall_at_10"] == 1.0  # every cell probed: the same as exact search
    assert few["recall_at_10"] < every["recall_at_10"]
    assert (tmp_path / "ann" / "ivf-6000.faiss").exists()


def test_the_triage_bench_asks_each_message_both_ways_on_empty_caches(
    answerer: Answerer,
) -> None:
    from bench import triage

    plain = Answerer(
        answerer.settings,
        answerer.index,
        answerer.retriever.embedder,
        triage=triage.NoTriage(answerer.triage),  # type: ignore[arg-type]
    )
    messages = ["i cant breathe after my lipo", "what are exosomes?", "我喘不过气"]
    measured = triage.measure(answerer, plain, messages)
    assert measured["ask_with_triage_ms"]["n"] == measured["added_ms"]["n"] == 3
    assert plain.ask(messages[0]).kind != "urgent"  # the plain path really has no triage
    assert answerer.ask(messages[0]).kind == "urgent"
