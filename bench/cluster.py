"""Throughput of the chat through nginx to one, then two `bot serve` processes.

Example: python -m bench.cluster --seconds 20 --connections 8

Deployed as deploy/ describes: nginx (deploy/nginx.conf, round-robin) in front of the
servers, which share one Redis (deploy/redis.conf), one PostgreSQL query log and the
clinic's index (built into bench/.cache/index-cluster with `bot index --if-stale`). wrk
posts MedQuAD questions to /api/chat (bench/chat.lua), no question twice in a run. Each
configuration's row goes to bench/results.jsonl, with the share of requests each server
answered (nginx's access log) and the servers' CPU per request. `--direct` first measures
the one server without nginx too: what the proxy costs.

The processes are started with the test suite's helpers (tests/cluster.py, tests/postgres.py)
so the bench and the multi-server tests run the same plumbing; run it from the checkout
(`python -m`), which puts `tests` on the import path.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.common import CACHE, ROOT, VENV_BIN, Results, distinct_questions
from bench.server import write_bodies, wrk
from tests.cluster import BotServer, bot_server, free_port, nginx, redis

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS = ROOT / "corpus"
INDEX = CACHE / "index-cluster"
WARM = 300  # requests through nginx before each measured run (model and caches warm)


def build_index() -> Path:
    """The clinic's index in bench/.cache, built only when the corpus or model changed."""
    env = {**os.environ, "BOT_CORPUS_DIR": str(CORPUS), "BOT_INDEX_DIR": str(INDEX)}
    subprocess.run([str(VENV_BIN / "bot"), "index", "--if-stale"], env=env, check=True, cwd=ROOT)
    return INDEX


def shared_postgres() -> Any:
    """tests/postgres.py's server: BOT_TEST_POSTGRES_URL's, or a throwaway cluster.

    Imported by name so mypy does not check that test module along with this one (it is
    outside `files` and not strict-clean); only `new_database()` and `close()` are used.
    """
    return importlib.import_module("tests.postgres").provide()


def cpu_seconds(servers: list[BotServer]) -> float:
    """User and system CPU the servers have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for server in servers:
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def shares(access_log: Path, skip: int) -> dict[str, int]:
    """Answers (200s) each server's port gave, from nginx's access log after `skip` lines.

    A retried request lists every server tried (`upstream=a, b`): the last one answered.
    Requests wrk abandoned when it stopped (499) are not counted, as wrk does not.
    """
    lines = access_log.read_text().splitlines()[skip:]
    found = (re.search(r'" 200 \d+ upstream=(.+?) upstream_status=', line) for line in lines)
    return dict(Counter(m[1].split(", ")[-1].rsplit(":", 1)[1] for m in found if m))


def load(
    port: int, servers: list[BotServer], folder: Path, bodies: Path, args: Any
) -> dict[str, Any]:
    """One bounded wrk run at `port`, with the servers' CPU per request."""
    cpu = cpu_seconds(servers)
    limit = sum(1 for _ in open(bodies))
    row = wrk(port, bodies, args.connections, args.seconds, limit, folder / "wrk")
    row["server_cpu_ms"] = round((cpu_seconds(servers) - cpu) * 1000 / max(1, row["requests"]), 2)
    return row


def warm_up(port: int, folder: Path, bodies: Path, args: Any) -> None:
    """Questions before the measured run: the model's first calls, the connections."""
    folder.mkdir(parents=True, exist_ok=True)
    wrk(port, bodies, args.connections, args.seconds, WARM, folder / "wrk-warm")


def through_nginx(
    results: Results, servers: list[BotServer], folder: Path, bodies: tuple[Path, Path], args: Any
) -> dict[str, Any]:
    """Warm up and measure the chat through a fresh nginx in front of `servers`."""
    with nginx(folder, [f"127.0.0.1:{server.port}" for server in servers]) as url:
        port = int(url.rsplit(":", 1)[1])
        warm_up(port, folder, bodies[0], args)
        access_log = folder / "nginx" / "access.log"
        skip = len(access_log.read_text().splitlines())
        row = load(port, servers, folder, bodies[1], args)
    row["per_server"] = shares(access_log, skip)
    bench = f"cluster-c{args.connections}"
    return results.add(bench, "clinic", servers=len(servers), proxy="nginx", **row)


def direct(
    results: Results, server: BotServer, folder: Path, bodies: tuple[Path, Path], args: Any
) -> dict[str, Any]:
    """The same, straight to one server: what nginx costs."""
    warm_up(server.port, folder, bodies[0], args)
    row = load(server.port, [server], folder, bodies[1], args)
    return results.add(f"cluster-c{args.connections}", "clinic", servers=1, proxy="none", **row)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="cluster", help="Name of this run in the results.")
    parser.add_argument("--seconds", type=float, default=20, help="Cap on each wrk run.")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections.")
    parser.add_argument(
        "--direct", action="store_true", help="Also one server without nginx, first."
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop what we started
    index = build_index()
    questions = distinct_questions()
    bodies = CACHE / "bodies"
    # Disjoint sets: no server is asked a question it has answered (and cached) before.
    warm = [
        write_bodies(bodies / f"cluster-warm{n}.jsonl", questions[n * WARM :][:WARM])
        for n in (0, 1)
    ]
    runs = [
        write_bodies(bodies / f"cluster-{n}.jsonl", questions[1000 + n * 4000 :][:4000])
        for n in (0, 1, 2)
    ]
    results = Results(args.label)
    print(f"bench run {results.run['run']} ({args.label}) on {results.run['machine']}")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-cluster-")))
        live = stack.enter_context(redis(tmp))
        postgres = shared_postgres()
        stack.callback(postgres.close)
        env = {
            "BOT_CORPUS_DIR": str(CORPUS),
            "BOT_INDEX_DIR": str(index),
            "BOT_DATABASE_URL": postgres.new_database(),
            "BOT_REDIS_URL": live.url,
            "BOT_SECRET_KEY": secrets.token_urlsafe(32),  # the same on every server
            "BOT_TRUSTED_PROXIES": "127.0.0.1",
            # All load comes from one address; a clinic's comes from many patients.
            "BOT_RATE_LIMIT_CHAT": "1000000/second",
            "OMP_NUM_THREADS": "1",  # as deploy/bot@.service runs it
        }
        servers: list[BotServer] = []
        for n in (1, 2):
            port = free_port()
            data = tmp / f"data-{port}"  # each server's own spool and uploads
            log = CACHE / "logs" / f"cluster-server-{n}.log"
            log.unlink(missing_ok=True)
            started = bot_server({**env, "BOT_DATA_DIR": str(data)}, port, log)
            servers.append(stack.enter_context(started))
            if n == 1 and args.direct:
                direct(results, servers[0], tmp / "direct", (warm[0], runs[2]), args)
            through_nginx(results, servers, tmp / f"servers-{n}", (warm[n - 1], runs[n - 1]), args)
    print()
    print(results.table())


if __name__ == "__main__":
    main()
