"""Live state in process and in a real Redis: conversations and rate limits shared by
servers, a Redis outage that never fails a reply, a build lock that holds across machines."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from limits import parse_many

from bot.cli import main
from bot.index.cluster_lock import cluster_lock
from bot.index.versions import IndexError_
from bot.replies.conversation import Conversations
from bot.settings import Settings
from bot.state.live import RETRY_SECONDS, MemoryState, RedisState
from bot.state.rate_limits import Limiter
from bot.web.app import create_app
from tests.cluster import RedisServer, redis


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


def test_memory_state_expires_and_stays_bounded() -> None:
    state = MemoryState(max_keys=2)
    state.set("a", "1", 0.05)
    state.set("b", "2", 60)
    assert state.get("a") == "1"
    time.sleep(0.08)
    assert state.get("a") is None and state.get("b") == "2"
    state.set("c", "3", 60)
    state.set("d", "4", 60)
    assert state.get("b") is None and state.health() == "memory"


def test_conversations_keep_only_the_redacted_topic(redis_server: RedisServer) -> None:
    state = RedisState(redis_server.url, prefix="t1:")
    chats = Conversations(60, state)
    chats.remember("c1", "my name is Priya Sharma, call me on 0412 345 678 about exosomes")
    topic = chats.topic("c1")
    assert topic is not None and "exosomes" in topic
    assert "Priya" not in topic and "0412" not in topic
    other_server = Conversations(60, RedisState(redis_server.url, prefix="t1:"))
    assert other_server.topic("c1") == topic  # what another server sees
    assert Conversations(0.05, state).topic("nope") is None


def test_a_redis_outage_degrades_and_recovers_by_itself(redis_server: RedisServer) -> None:
    state = RedisState(redis_server.url, prefix="t2:")
    state.set("k", "v", 60)
    assert state.health() == "ok"
    redis_server.stop()
    try:
        started = time.monotonic()
        assert state.get("k") is None  # nothing stored, as far as a reply can tell
        state.set("k2", "v", 60)  # dropped, not raised
        assert state.health() == "degraded"
        assert time.monotonic() - started < 2, "an outage costs one short timeout"
    finally:
        redis_server.start()
    time.sleep(RETRY_SECONDS + 0.1)
    assert state.health() == "ok"
    state.set("k3", "v3", 60)
    assert state.get("k3") == "v3"


def test_one_rate_limit_holds_across_servers(redis_server: RedisServer) -> None:
    items = parse_many("3/minute")
    first, second = Limiter(redis_server.url), Limiter(redis_server.url)
    waits = [(first if n % 2 else second).wait(items, "chat-t3", "10.0.0.1") for n in range(4)]
    assert waits[:3] == [None, None, None] and waits[3] is not None
    alone = Limiter()  # without Redis: per process
    assert [alone.wait(items, "chat-t3", "10.0.0.1") for _ in range(3)] == [None] * 3


def test_rate_limits_fall_back_to_this_server_when_redis_is_down(tmp_path: Path) -> None:
    limiter = Limiter("redis://127.0.0.1:9/0")  # nothing listens there
    items = parse_many("2/minute")
    waits = [limiter.wait(items, "chat", "10.0.0.2") for _ in range(3)]
    assert waits[:2] == [None, None] and waits[2] is not None


def test_the_app_shares_state_and_says_so(settings: Settings, redis_server: RedisServer) -> None:
    shared = settings.model_copy(update={"redis_url": redis_server.url})
    with TestClient(create_app(shared)) as one, TestClient(create_app(shared)) as two:
        first = one.post("/api/chat", json={"message": "How is stem cell therapy given?"}).json()
        turn = {
            "message": "what are its side effects?",
            "conversation_id": first["conversation_id"],
        }
        follow = two.post("/api/chat", json=turn).json()
        assert any("dryness and fatigue" in p["text"] for p in follow["passages"])
        assert one.get("/healthz").json()["state"] == "ok"
    with TestClient(create_app(settings)) as alone:
        assert alone.get("/healthz").json()["state"] == "memory"


def test_several_workers_need_redis(settings: Settings) -> None:
    env = {"BOT_INDEX_DIR": str(settings.index_dir), "BOT_REDIS_URL": ""}
    refused = CliRunner().invoke(main, ["serve", "--workers", "2", "--port", "1"], env=env)
    assert refused.exit_code == 1
    assert "need BOT_REDIS_URL" in refused.output


def test_the_build_lock_holds_across_machines(postgres: object, settings: Settings) -> None:
    url = postgres.new_database()  # type: ignore[attr-defined]
    shared = settings.model_copy(update={"database_url": url})
    with cluster_lock(shared):
        with pytest.raises(IndexError_, match="another server is building"):
            with cluster_lock(shared):
                pass
    with cluster_lock(shared):  # released when the first build ended
        pass
    down = settings.model_copy(update={"database_url": "postgresql://bot@127.0.0.1:9/none"})
    with cluster_lock(down):  # the database away: the folder's lock alone, not a refusal
        pass
