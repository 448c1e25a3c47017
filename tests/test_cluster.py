"""Two real servers behind a real nginx (round-robin), sharing Redis, PostgreSQL and one
index folder, behave like one: follow-ups keep their topic whichever server each turn
reaches, one rate limit holds for both, a re-index on one goes live on both, Redis
restarted mid-run never fails an answer, and a server killed mid-load loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.quality.evaluation import load_cases
from bot.replies.answerer import Answerer
from bot.settings import ROOT, Settings
from tests.cluster import BotServer, RedisServer, bot_server, free_port, nginx, redis

KEY = "k3Y-" + "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e"


@dataclass
class Cluster:
    base: str
    servers: list[BotServer]
    redis: RedisServer
    env: dict[str, str]
    logs: list[Path]


@pytest.fixture(scope="module")
def cluster(
    settings: Settings, postgres: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cluster")
    shutil.copytree(settings.index_dir, tmp / "index")  # one folder both servers read
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    with redis(tmp / "redis") as store:
        env = {
            "BOT_INDEX_DIR": str(tmp / "index"),
            "BOT_CORPUS_DIR": str(tmp / "corpus"),
            "BOT_DATABASE_URL": postgres.new_database(),  # type: ignore[attr-defined]
            "BOT_REDIS_URL": store.url,
            "BOT_SECRET_KEY": KEY,
            "BOT_RELOAD_SECONDS": "0.5",
            "BOT_RATE_LIMIT_CHAT": "40/minute",
            "BOT_TRUSTED_PROXIES": "127.0.0.1",
        }
        logs = [tmp / "server-1.log", tmp / "server-2.log"]
        ports = [free_port(), free_port()]
        with (
            bot_server(env | {"BOT_DATA_DIR": str(tmp / "d1")}, ports[0], logs[0]) as one,
            bot_server(env | {"BOT_DATA_DIR": str(tmp / "d2")}, ports[1], logs[1]) as two,
            nginx(tmp / "nginx", [f"127.0.0.1:{p}" for p in ports]) as base,
        ):
            yield Cluster(base, [one, two], store, env, logs)


def chat(
    base: str, message: str, conversation: str | None = None, client: str = ""
) -> httpx.Response:
    headers = {"X-Forwarded-For": client} if client else {}
    body = {"message": message, "conversation_id": conversation}
    return httpx.post(f"{base}/api/chat", json=body, headers=headers, timeout=30)


def served(log: Path) -> int:
    return log.read_text(errors="replace").count("POST /api/chat")


def test_follow_ups_keep_their_topic_whichever_server_they_reach(
    cluster: Cluster, answerer: Answerer
) -> None:
    dialogues = [c for c in load_cases(ROOT / "tests" / "data" / "eval.jsonl") if c.history]
    assert len(dialogues) >= 15
    same = 0
    for n, case in enumerate(dialogues):
        conversation = None
        for earlier in case.history:
            conversation = chat(cluster.base, earlier, conversation, f"198.51.100.{n}").json()[
                "conversation_id"
            ]
        reply = chat(cluster.base, case.question, conversation, f"198.51.100.{n}").json()
        local = f"one-server-{case.id}"
        for earlier in case.history:
            answerer.ask(earlier, local)
        alone = answerer.ask(case.question, local)
        same += [p["chunk_id"] for p in reply["passages"]] == [
            p.chunk_id for p in alone.passages
        ] and reply["kind"] == alone.kind
    assert same == len(dialogues), f"{same} of {len(dialogues)} as on one server"
    assert all(served(log) > len(dialogues) // 2 for log in cluster.logs), "round-robin"


def test_one_rate_limit_holds_across_both_servers(cluster: Cluster) -> None:
    codes = [chat(cluster.base, "what are exosomes?", client="203.0.113.9").status_code
             for _ in range(46)]  # fmt: skip
    assert codes.count(200) == 40 and codes.count(429) == 6
    assert chat(cluster.base, "what are exosomes?", client="203.0.113.10").status_code == 200


def test_a_reindex_on_one_server_goes_live_on_both(cluster: Cluster) -> None:
    corpus = Path(cluster.env["BOT_CORPUS_DIR"])
    (corpus / "aftercare-cluster-test.md").write_text(
        "---\ntitle: Compression garments\n---\n# Compression garments\n\n"
        "Wear the compression garment day and night for six weeks after liposuction, "
        "taking it off only to shower, so the skin settles smoothly over the treated area.\n",
        encoding="utf-8",
    )
    env = os.environ | cluster.env | {"BOT_DATA_DIR": str(corpus.parent / "d1")}
    bot = str(Path(sys.executable).parent / "bot")
    # --force: the gate measures the clinic's eval set, which this test article (answering
    # some of its "not covered" questions) moves; going live everywhere is the point here.
    built = subprocess.run(
        [bot, "index", "--force"], env=env | {"HF_HUB_OFFLINE": "1"}, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    version = (Path(cluster.env["BOT_INDEX_DIR"]) / "CURRENT").read_text().strip()
    deadline = time.monotonic() + 60
    for server in cluster.servers:
        while httpx.get(f"{server.url}/healthz").json().get("index_version") != version:
            assert time.monotonic() < deadline, f"{server.url} never loaded {version}"
            time.sleep(0.2)
    for n in range(4):  # through nginx, whichever server answers
        question = "how long do i wear the compression garment after lipo"
        reply = chat(cluster.base, question, client=f"192.0.2.{n}")
        assert any("six weeks" in p["text"] for p in reply.json()["passages"]), reply.text


def test_answers_never_fail_while_redis_restarts(cluster: Cluster) -> None:
    failures: list[str] = []
    done = threading.Event()

    def load() -> None:
        n = 0
        while not done.is_set():
            response = chat(cluster.base, "what are exosomes?", client=f"192.0.2.{100 + n % 50}")
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.text[:80]}")
            n += 1

    sender = threading.Thread(target=load)
    sender.start()
    time.sleep(1)
    cluster.redis.stop()
    time.sleep(2)
    degraded = {httpx.get(f"{s.url}/healthz").json()["state"] for s in cluster.servers}
    cluster.redis.start()
    time.sleep(3)  # past the retry interval
    done.set()
    sender.join()
    assert failures == []
    assert degraded == {"degraded"}
    assert {httpx.get(f"{s.url}/healthz").json()["state"] for s in cluster.servers} == {"ok"}


def test_a_server_killed_mid_load_loses_nothing(cluster: Cluster) -> None:
    results: list[int] = []

    def load() -> None:
        for n in range(60):
            try:
                client = f"192.0.2.{200 + n % 50}"
                results.append(chat(cluster.base, "what are exosomes?", client=client).status_code)
            except httpx.HTTPError:
                results.append(0)

    sender = threading.Thread(target=load)
    sender.start()
    while len(results) < 20:
        time.sleep(0.01)
    cluster.servers[1].kill()
    sender.join()
    assert len(results) == 60
    assert results.count(200) >= 59, json.dumps(results)  # at most the one in flight
