"""Servers switch to a newly activated index version without a restart or a failed request."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bot.index.build import build_index
from bot.index.versions import rollback
from bot.search.embedder import Embedder
from bot.settings import Settings
from bot.web.app import create_app
from tests.conftest import CORPUS, write


def _wait_for(client: TestClient, version: str, seconds: float = 10.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if client.get("/healthz").json().get("index_version") == version:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"server did not switch to {version} within {seconds} s")


def test_servers_sharing_an_index_switch_without_failing_requests(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "exosomes.md", (CORPUS / "exosome-therapy-plastic-surgery.md").read_text())
    s = Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        eval_file=tmp_path / "none.jsonl",
        reload_seconds=0.2,
    )
    first = build_index(s, embedder).version
    failures: list[int] = []
    stop = threading.Event()
    with TestClient(create_app(s)) as one, TestClient(create_app(s)) as two:
        assert one.get("/healthz").json()["index_version"] == first

        def keep_asking() -> None:
            while not stop.is_set():
                r = one.post("/api/chat", json={"message": "what are exosomes?"})
                if r.status_code != 200:
                    failures.append(r.status_code)

        asker = threading.Thread(target=keep_asking)
        asker.start()
        write(corpus, "facelift.md", "# Facelift recovery\n\nMost people rest for a week.\n")
        second = build_index(s, embedder).version
        assert _wait_for(one, second) < 10 and _wait_for(two, second) < 10
        body = one.post("/api/chat", json={"message": "how long do people rest?"}).json()
        assert body["index_version"] == second
        rollback(s.index_dir, s.keep_versions)
        _wait_for(one, first)
        _wait_for(two, first)
        stop.set()
        asker.join()
    assert failures == []


def test_server_without_an_index_recovers_when_one_is_built(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "a.md", "# Scar care\n\nSilicone gel can help scars fade.\n")
    s = Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        eval_file=tmp_path / "x",
        reload_seconds=0.2,
    )
    with TestClient(create_app(s)) as client:
        assert client.get("/healthz").status_code == 503
        version = build_index(s, embedder).version
        _wait_for(client, version)
        assert client.post("/api/chat", json={"message": "scar gel?"}).status_code == 200
