"""The embedding model: ONNX and torch give the same vectors, queries batch and cache safely."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import bot.search.embedder
from bot.search.batching import Coalescer
from bot.search.embedder import Embedder
from bot.settings import Settings

TEXTS = [
    "Is exosome therapy approved in Australia?",
    "how long does swelling last after a facelift",
    "Exosomes are tiny vesicles released by cells; they carry proteins, lipids and RNA. " * 10,
    "what does the mayo clinic say",
]


class Recorder:
    """A stand-in model run that records its batches and can be held back or made to fail."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.threads: list[int] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, items: list[str]) -> list[str]:
        self.release.wait(5)
        self.batches.append(list(items))
        self.threads.append(threading.get_ident())
        if "boom" in items:
            raise ValueError("model failed")
        return [item.upper() for item in items]


def _wait_queued(coalescer: Coalescer[str, str], count: int) -> None:
    deadline = time.monotonic() + 5
    while len(coalescer._queue) < count:
        assert time.monotonic() < deadline, "callers never queued"
        time.sleep(0.001)


def test_a_lone_call_runs_at_once_on_its_own_thread() -> None:
    run = Recorder()
    coalescer = Coalescer(run, max_batch=8)
    assert coalescer("hello") == "HELLO"
    assert run.batches == [["hello"]]
    assert run.threads == [threading.get_ident()]


def test_calls_arriving_while_the_model_runs_share_the_next_batch() -> None:
    run = Recorder()
    coalescer = Coalescer(run, max_batch=4)
    run.release.clear()
    words = [f"w{i}" for i in range(10)]
    with ThreadPoolExecutor(10) as pool:
        first = pool.submit(coalescer, words[0])
        while not coalescer._busy:
            time.sleep(0.001)
        rest = [pool.submit(coalescer, w) for w in words[1:]]
        _wait_queued(coalescer, 9)
        run.release.set()
        results = [first.result(5)] + [f.result(5) for f in rest]
    assert results == [w.upper() for w in words]
    assert [len(b) for b in run.batches] == [1, 4, 4, 1]
    assert sorted(sum(run.batches, [])) == sorted(words)
    assert not coalescer._busy and not coalescer._queue


def test_a_failed_batch_fails_its_callers_and_the_next_call_still_runs() -> None:
    run = Recorder()
    coalescer = Coalescer(run, max_batch=8)
    run.release.clear()
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(coalescer, "ok")
        while not coalescer._busy:
            time.sleep(0.001)
        bad = pool.submit(coalescer, "boom")
        good = pool.submit(coalescer, "fine")
        _wait_queued(coalescer, 2)
        run.release.set()
        assert first.result(5) == "OK"
        with pytest.raises(ValueError, match="model failed"):
            bad.result(5)
        with pytest.raises(ValueError, match="model failed"):  # same batch as "boom"
            good.result(5)
    assert coalescer("again") == "AGAIN"


def test_many_threads_get_their_own_answers() -> None:
    coalescer = Coalescer(Recorder(), max_batch=8)
    words = [f"q{i}" for i in range(400)]
    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(coalescer, words)) == [w.upper() for w in words]


def test_onnx_gives_sentence_transformers_vectors(embedder: Embedder) -> None:
    reference = Embedder(Settings().model_path(), "torch")
    assert embedder.backend == "onnx"
    assert reference.backend == "torch"
    ours, theirs = embedder.encode(TEXTS), reference.encode(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), embedder.dim)
    assert np.abs(ours - theirs).max() < 1e-4
    assert embedder.known_words == reference.known_words


def test_a_query_vector_is_the_texts_vector_and_cached_read_only(embedder: Embedder) -> None:
    question = "can exosomes speed up healing after a tummy tuck?"
    vector = embedder.encode_query(question)
    assert np.abs(vector - embedder.encode([question])[0]).max() < 1e-5
    assert embedder.encode_query(question) is vector
    with pytest.raises(ValueError):
        vector[0] = 1.0


def test_concurrent_queries_get_the_vectors_they_asked_for(embedder: Embedder) -> None:
    questions = [f"{text} ({i})" for i in range(6) for text in TEXTS]
    alone = embedder.encode(questions)
    with ThreadPoolExecutor(8) as pool:
        together = np.stack(list(pool.map(embedder.encode_query, questions)))
    assert np.abs(together - alone).max() < 1e-5


def test_auto_falls_back_to_torch_when_onnx_is_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_export(model_path: str) -> None:
        raise RuntimeError("onnxruntime is not installed")

    monkeypatch.setattr(bot.search.embedder, "ensure_onnx", no_export)
    assert Embedder(Settings().model_path(), "auto").backend == "torch"
    with pytest.raises(RuntimeError, match="onnxruntime"):
        Embedder(Settings().model_path(), "onnx")


def test_primed_questions_are_served_from_the_cache(embedder: Embedder) -> None:
    questions = [f"is a {part} lift painful afterwards?" for part in ("brow", "thigh", "neck")]
    embedder.prime(questions)
    for question in questions:
        cached = embedder._queries[question]
        assert embedder.encode_query(question) is cached
        assert np.abs(cached - embedder.encode([question])[0]).max() < 1e-5
