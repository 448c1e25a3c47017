"""Faults: a locked database, a broken index, SIGKILL and SIGTERM under load.

The query log's own outage and spool tests (in order, redacted, idempotent replays, a
real PostgreSQL outage) are in test_querylog.py; a missing index in test_api.py.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from bot.log.querylog import SPOOL_FILE, QueryLog
from bot.log.records import record_op
from bot.settings import Settings
from bot.web.app import create_app
from tests.test_load import CONCURRENCY, Server, drive, logged_rows, wait_for_rows
from tests.test_querylog import make_reply


def test_a_locked_database_still_answers_then_writes_everything(
    settings: Settings, tmp_path: Path
) -> None:
    local = settings.model_copy(update={"data_dir": tmp_path})
    with TestClient(create_app(local)) as client:
        querylog: QueryLog = client.app.state.querylog  # type: ignore[attr-defined]
        client.post("/api/chat", json={"message": "What are exosomes?"})
        assert querylog.flush()
        lock = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # another process holds the database
        try:
            codes = [
                client.post("/api/chat", json={"message": f"exosome question {n}"}).status_code
                for n in range(30)
            ]
            assert codes == [200] * 30  # patients are answered while the log cannot write
            assert querylog.flush(timeout=60)  # the writer gave up waiting and spooled
            health = client.get("/healthz").json()
            assert health["status"] == "ok"
            assert health["log"] == "degraded" and health["log_spooled"] >= 30
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert querylog.flush()  # a flush retries the spool at once
        assert client.get("/healthz").json()["log"] == "ok"
        assert logged_rows(tmp_path) == 31  # nothing lost


def _copy_index(settings: Settings, tmp_path: Path) -> Settings:
    index = tmp_path / "index"
    shutil.copytree(settings.index_dir, index)
    return settings.model_copy(update={"index_dir": index, "data_dir": tmp_path / "data"})


def _broken_vectors(index: Path) -> None:
    version = (index / "CURRENT").read_text().strip()
    (index / "versions" / version / "vectors.faiss").write_bytes(b"garbage")


def _missing_version(index: Path) -> None:
    (index / "CURRENT").write_text("no-such-version\n")


def _broken_manifest(index: Path) -> None:
    version = (index / "CURRENT").read_text().strip()
    for path in (index / "versions" / version).glob("*.json"):
        path.write_text("{not json")


def test_a_broken_index_at_start_leaves_the_server_up_and_saying_why(
    settings: Settings, tmp_path: Path
) -> None:
    for n, breaks in enumerate((_broken_vectors, _missing_version, _broken_manifest)):
        local = _copy_index(settings, tmp_path / str(n))
        breaks(local.index_dir)
        with TestClient(create_app(local), raise_server_exceptions=False) as client:
            health = client.get("/healthz")
            assert health.status_code == 503, breaks.__name__
            assert health.json()["reason"], breaks.__name__
            chat = client.post("/api/chat", json={"message": "What are exosomes?"})
            assert chat.status_code == 503 and "unavailable" in chat.json()["detail"]
            page = client.post("/", data={"message": "What are exosomes?"})
            assert page.status_code == 503 and "unavailable" in page.text
            for text in (chat.text, page.text, health.text):
                assert "Traceback" not in text and 'File "' not in text


def test_a_torn_spool_line_does_not_stop_the_log(settings: Settings, tmp_path: Path) -> None:
    """A process killed while appending to the spool may leave half a line behind."""
    local = settings.model_copy(update={"data_dir": tmp_path})
    good = [record_op(f"spooled {n}", make_reply(query_id=f"s{n}"), 1, "api") for n in range(3)]
    lines = "".join(json.dumps(op) + "\n" for op in good) + '{"op": "record", "query_'
    (tmp_path / SPOOL_FILE).write_text(lines)
    with TestClient(create_app(local)) as client:
        querylog: QueryLog = client.app.state.querylog  # type: ignore[attr-defined]
        assert querylog.flush()
        assert client.post("/api/chat", json={"message": "What are exosomes?"}).status_code == 200
        assert querylog.flush()
        assert querylog.writer._thread.is_alive()
        assert logged_rows(tmp_path) == 4
        assert client.get("/healthz").json()["log"] == "ok"
    assert "query_" in (tmp_path / (SPOOL_FILE + ".bad")).read_text()  # kept for a person


def _complete_rows(data_dir: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "bot.sqlite3") as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        return db.execute(
            "select query_id, at, conversation_id, channel, message, kind, reply, "
            "index_version, latency_ms from questions"
        ).fetchall()


def test_sigkill_under_load_then_restart_serves_with_no_partial_records(
    settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = Server(settings, data).start()
    try:
        codes = asyncio.run(
            drive(
                server.url,
                3000,
                on_progress={1000: lambda: server.signal(signal.SIGKILL)},
                tolerate_errors=True,
            )
        )
        server.wait(10)
        assert not any(code >= 500 for code in codes), codes
        assert codes[200] >= 900
        # What the killed process had written is whole: every row has every field.
        rows = _complete_rows(data)
        assert len(rows) <= codes[200] + CONCURRENCY  # at most those in flight were unsent
        assert all(all(value is not None for value in row) for row in rows)
        assert all(isinstance(json.loads(str(row[6]))["passages"], list) for row in rows)
        before = len(rows)
        # Records a dying process had spooled (and half a line) are replayed on restart.
        spooled = [
            record_op(f"spooled {n}", make_reply(query_id=f"k{n}"), 1, "api") for n in (1, 2)
        ]
        with (data / SPOOL_FILE).open("a") as spool:
            spool.write("".join(json.dumps(op) + "\n" for op in spooled) + '{"op": "rec')
        server = Server(settings, data).start()
        again = asyncio.run(drive(server.url, 200))
        assert again == {200: 200}
        assert wait_for_rows(data, before + 202) == before + 202
        assert httpx.get(f"{server.url}/healthz").json()["log"] == "ok"
    finally:
        server.stop()
    assert len(_complete_rows(data)) == before + 202


def test_sigterm_finishes_in_flight_requests_and_flushes_the_log(
    settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = Server(settings, data).start()
    try:
        asyncio.run(drive(server.url, 50))
        sent: dict[str, object] = {}

        def load() -> None:
            sent["codes"] = asyncio.run(drive(server.url, 64, tolerate_errors=True))

        thread = threading.Thread(target=load)
        thread.start()
        time.sleep(0.05)  # requests in flight
        server.signal(signal.SIGTERM)
        thread.join(60)
        # uvicorn shuts down gracefully, then re-raises the signal as its exit status.
        assert server.wait(60) in (0, -signal.SIGTERM)
        assert "Finished server process" in server.output()
    finally:
        server.stop()
    codes = sent["codes"]
    assert isinstance(codes, dict)
    assert not any(code >= 500 for code in codes), codes
    assert codes.get(200, 0) > 0  # some were in flight when the signal came
    # Every request that got an answer was logged before the process exited.
    assert logged_rows(data) == 50 + codes.get(200, 0)
    assert not (data / SPOOL_FILE).exists() or not (data / SPOOL_FILE).read_text().strip()
