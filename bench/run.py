"""`make bench`: measure the chatbot the way a clinic's traffic hits it.

Example: python -m bench.run --corpora clinic,medquad --ann --build

Each run prints a table and appends one JSON line per figure to bench/results.jsonl;
`python -m bench.plot` draws docs/performance.png from the latest run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import indexing, inprocess
from bench.common import CACHE, Results, distinct_questions
from bench.server import Server, write_bodies, wrk

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Server configurations: `bot serve` as shipped, and uvicorn's app factory with 1 or 2
# worker processes (each with one thread for the model: two cores, no oversubscription).
CONFIGS = {
    "serve": {"workers": 1, "access_log": True, "launcher": "bot"},
    "w2-uvicorn": {"workers": 2, "access_log": False, "launcher": "uvicorn"},
    "w1": {"workers": 1, "access_log": False, "launcher": "nodelay"},
    "w2": {"workers": 2, "access_log": False, "launcher": "nodelay"},
}
REPEAT_SHARE = 0.3  # share of questions that repeat a popular one, in the "repeat" runs
POPULAR = 40


def corpus_index(name: str) -> tuple[Path, Path]:
    """Corpus and index folders for `clinic` or `medquad` (built once, then reused)."""
    index = CACHE / f"index-{name}"
    corpus = CACHE / f"corpus-{name}"
    if not (index / "CURRENT").exists() or not corpus.exists():
        corpus = indexing.corpus_dir(name, 0 if name == "clinic" else None)
        print(f"building the {name} index once (MedQuAD takes a while)...", flush=True)
        indexing.full_build(corpus, index)
    indexing.upgrade(corpus, index)  # an index from older code: save what it now saves
    return corpus, index


def env_for(name: str, corpus: Path, index: Path) -> dict[str, str]:
    data = CACHE / f"data-{name}"
    shutil.rmtree(data, ignore_errors=True)
    return {
        "BOT_CORPUS_DIR": str(corpus),
        "BOT_INDEX_DIR": str(index),
        "BOT_DATA_DIR": str(data),
        # All load comes from one address here, where a clinic's comes from many patients:
        # the limiter still counts every request, but lets them through.
        "BOT_RATE_LIMIT_CHAT": "1000000/second",
    }


def bench_inprocess(results: Results, name: str, corpus: Path, index: Path, n: int) -> None:
    from bot.index.versions import load_index
    from bot.replies.answerer import Answerer
    from bot.search.embedder import Embedder
    from bot.settings import Settings

    settings = Settings(corpus_dir=corpus, index_dir=index, data_dir=CACHE / f"data-{name}")
    if os.environ.get("OMP_NUM_THREADS") == "1":  # the server's one thread, in this process
        import faiss

        faiss.omp_set_num_threads(1)
    embedder = Embedder.from_settings(settings)
    if hasattr(embedder, "_queries"):
        embedder._queries.clear()  # noqa: SLF001  # no query vector from an earlier corpus
    questions = distinct_questions()
    fresh = lambda: Answerer(settings, load_index(settings, embedder), embedder)  # noqa: E731
    backend = getattr(embedder, "backend", "torch")
    results.add("inprocess", name, backend=backend, **inprocess.ask_latency(fresh(), questions[:n]))
    stream = inprocess.repeated_stream(questions[n:], n, REPEAT_SHARE, POPULAR)
    results.add(
        f"inprocess-repeat{int(REPEAT_SHARE * 100)}",
        name,
        backend=backend,
        **inprocess.stream_latency(fresh(), stream),
    )


def bench_http(
    results: Results, name: str, corpus: Path, index: Path, configs: list[str], seconds: float
) -> None:
    questions = distinct_questions()
    logs = CACHE / "logs"
    warm = write_bodies(CACHE / "bodies" / "warm.jsonl", questions[-500:])
    sets = {  # disjoint slices: no question is asked twice of one server
        1: write_bodies(CACHE / "bodies" / "c1.jsonl", questions[:2000]),
        8: write_bodies(CACHE / "bodies" / "c8.jsonl", questions[2000:7000]),
        32: write_bodies(CACHE / "bodies" / "c32.jsonl", questions[7000:13000]),
    }
    fresh = questions[13000 : len(questions) - 500]
    stream = inprocess.repeated_stream(fresh, int(len(fresh) * 0.95), REPEAT_SHARE, POPULAR)
    repeat = write_bodies(CACHE / "bodies" / "repeat.jsonl", stream)
    for config in configs:
        workers = CONFIGS[config]["workers"]
        with shared_state(isinstance(workers, int) and workers > 1) as redis_url:
            env = env_for(name, corpus, index)
            if redis_url:
                env["BOT_REDIS_URL"] = redis_url
            args = (warm, sets, repeat, len(stream), seconds, logs)
            _bench_config(results, name, config, env, *args)


@contextmanager
def shared_state(wanted: bool) -> Iterator[str]:
    """A throwaway Redis for several workers (they refuse to start without one), or ""."""
    if not wanted:
        yield ""
        return
    from tests.cluster import redis  # the test suite's process helpers

    with tempfile.TemporaryDirectory() as folder, redis(Path(folder)) as server:
        yield server.url


def _bench_config(
    results: Results,
    name: str,
    config: str,
    env: dict[str, str],
    warm: Path,
    sets: dict[int, Path],
    repeat: Path,
    repeats: int,
    seconds: float,
    logs: Path,
) -> None:
    """One server configuration under wrk: cold start, each concurrency, repeats, RSS."""
    server = Server(env, **CONFIGS[config])  # type: ignore[arg-type]
    cold = server.start()
    try:
        results.add("cold-start", name, config=config, seconds=round(cold, 2))
        wrk(server.port, warm, 8, 30, 500, logs / "wrk-warm")
        for connections, bodies in sets.items():
            limit = sum(1 for _ in open(bodies))
            cpu = server.cpu_seconds()
            row = wrk(
                server.port, bodies, connections, seconds, limit, logs / f"wrk-c{connections}"
            )
            # The server's CPU per answer: steadier than wall time on shared cores.
            row["server_cpu_ms"] = _per_request(server.cpu_seconds() - cpu, row)
            results.add(f"http-c{connections}", name, config=config, **row)
        cpu = server.cpu_seconds()
        row = wrk(server.port, repeat, 32, seconds, repeats, logs / "wrk-repeat")
        row["server_cpu_ms"] = _per_request(server.cpu_seconds() - cpu, row)
        results.add(f"http-c32-repeat{int(REPEAT_SHARE * 100)}", name, config=config, **row)
        results.add("server-rss", name, config=config, rss_mb=server.peak_rss_mb())
    finally:
        server.stop()


def _per_request(cpu_seconds: float, row: dict[str, object]) -> float:
    """Milliseconds of the server's CPU per request of a wrk run."""
    requests = row["requests"]
    if not isinstance(requests, int) or not requests:
        return 0.0
    return round(cpu_seconds * 1000 / requests, 2)


def bench_build(results: Results, sample_docs: int) -> None:
    clinic = indexing.corpus_dir("build-clinic", 0)
    results.add("build-full", "clinic", **indexing.full_build(clinic, CACHE / "index-build-clinic"))
    results.add(
        "reindex-one",
        "clinic",
        **indexing.reindex_one_article(clinic, CACHE / "index-build-clinic"),
    )
    sample = indexing.corpus_dir("build-sample", sample_docs)
    label = f"mq{sample_docs}"
    results.add("build-full", label, **indexing.full_build(sample, CACHE / "index-build-sample"))
    results.add(
        "reindex-one", label, **indexing.reindex_one_article(sample, CACHE / "index-build-sample")
    )


def bench_reindex_medquad(results: Results) -> None:
    """One-article re-index on a copy of the full clinic + MedQuAD index."""
    corpus_index("medquad")
    indexing.reindex_medquad(results, 1)


def bench_ann(results: Results, count: int) -> None:
    import numpy as np

    from bench import ann
    from bot.search.embedder import Embedder
    from bot.settings import Settings

    _, index = corpus_index("medquad")
    base = ann.base_vectors(index)
    embedder = Embedder.from_settings(Settings())
    queries = embedder.encode(distinct_questions(1000))
    rows = ann.run(np.asarray(base), queries, count, [8, 16, 32, 64])
    for row in rows:
        results.add("ann-search", f"synth{count // 1000}k", **row)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="current", help="Name of this run in the results.")
    parser.add_argument("--corpora", default="clinic,medquad", help="clinic, medquad or both.")
    parser.add_argument("--configs", default="serve,w1,w2", help="Server configurations.")
    parser.add_argument("--questions", type=int, default=1000, help="In-process questions.")
    parser.add_argument("--seconds", type=float, default=20, help="Cap on each wrk run.")
    parser.add_argument("--no-inprocess", action="store_true")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--build", action="store_true", help="Index builds and re-index.")
    parser.add_argument(
        "--sample-docs", type=int, default=1000, help="MedQuAD docs in the build sample."
    )
    parser.add_argument(
        "--ann", type=int, default=0, help="Synthetic passages for FAISS (e.g. 1000000)."
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE",
        help="Environment for this run and its servers, e.g. BOT_EMBED_BACKEND=torch.",
    )  # fmt: skip
    args = parser.parse_args(argv)
    # On SIGTERM, unwind so the servers this run started are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for pair in args.env:
        key, _, value = pair.partition("=")
        os.environ[key] = value  # before bot is imported; servers inherit it
    results = Results(args.label)
    print(f"bench run {results.run['run']} ({args.label}) on {json.dumps(results.run['machine'])}")
    started = time.perf_counter()
    for name in [c for c in args.corpora.split(",") if c]:
        corpus, index = corpus_index(name)
        if not args.no_inprocess:
            bench_inprocess(results, name, corpus, index, args.questions)
        if not args.no_http:
            bench_http(results, name, corpus, index, args.configs.split(","), args.seconds)
    if args.build:
        bench_build(results, args.sample_docs)
        bench_reindex_medquad(results)
    if args.ann:
        bench_ann(results, args.ann)
    print()
    print(results.table())
    print(
        f"\n{len(results.rows)} figures in {time.perf_counter() - started:.0f} s, "
        "appended to bench/results.jsonl"
    )


if __name__ == "__main__":
    sys.exit(main())
