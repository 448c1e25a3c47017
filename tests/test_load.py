"""Load: 20,000 chat requests at concurrency 64 against a real `bot serve` on loopback.

Zero 5xx, every request in the query log (rows == requests sent), and the server's memory
flat between the middle and the end. The rate limits are raised so this measures the
server; test_security.py proves the 429s. `Server` is shared with test_faults.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import httpx

from bot.settings import Settings
from tests.cluster import redis
from tests.conftest import UNLIMITED

TOTAL = 20_000
CONCURRENCY = 64
QUESTIONS = [
    "What are the side effects of stem cell therapy?",
    "Is exosome therapy allowed in Australia?",
    "how long is the downtime after exosomes",
    "What are exosomes?",
    "Can exosomes help with scars?",
    "What are your opening hours on Saturday?",
    "what does the TGA allow?",
    "How is stem cell therapy given?",
    "does microneedling hurt",
    "Can exosomes help with redness and swelling after fillers?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`python -m bot.cli serve` in a subprocess on a free loopback port."""

    def __init__(self, settings: Settings, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "BOT_CORPUS_DIR": str(settings.corpus_dir),
            "BOT_INDEX_DIR": str(settings.index_dir),
            "BOT_DATA_DIR": str(data_dir),
            "BOT_DATABASE_URL": "",
            **{f"BOT_{k.upper()}": v for k, v in UNLIMITED.items()},
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> Server:
        command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)]
        with (self.data_dir.parent / f"server-{self.port}.log").open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server did not start: {self.output()}")

    def output(self) -> str:
        path = self.data_dir.parent / f"server-{self.port}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_mb(self) -> float:
        """Resident memory of the server process, from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        os.kill(self.pid, sig)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.wait(60)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.wait(10)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def logged_rows(data_dir: Path) -> int:
    """Rows in the SQLite query log (0 before it exists)."""
    path = data_dir / "bot.sqlite3"
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        return int(db.execute("select count(*) from questions").fetchone()[0])


def wait_for_rows(data_dir: Path, expected: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    rows = logged_rows(data_dir)
    while rows < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        rows = logged_rows(data_dir)
    return rows


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes
) -> int:
    """One HTTP/1.1 keep-alive POST; the status code. Raw, so the client costs next to nothing
    (httpx spends more CPU per request than the server does, on the same two cores)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def drive(
    url: str,
    total: int,
    concurrency: int = CONCURRENCY,
    on_progress: dict[int, Callable[[], object]] | None = None,
    tolerate_errors: bool = False,
) -> Counter[int]:
    """Send `total` chat messages over `concurrency` connections; count the status codes.

    `on_progress` maps a request number to a callable run once it is answered (to sample
    memory, or kill the server). A broken connection counts as status 0 when
    `tolerate_errors` (a killed server), else it fails the test.
    """
    host, port = url.removeprefix("http://").split(":")
    codes: Counter[int] = Counter()
    counter = itertools.count()
    hooks = dict(on_progress or {})
    bodies = [json.dumps({"message": q}).encode() for q in QUESTIONS]

    async def worker() -> None:
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while (n := next(counter)) < total:
            try:
                if connection is None:
                    connection = await asyncio.open_connection(host, int(port))
                codes[await _post(*connection, "/api/chat", bodies[n % len(bodies)])] += 1
            except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                if not tolerate_errors:
                    raise
                codes[0] += 1
                if connection is not None:
                    connection[1].close()
                connection = None
                await asyncio.sleep(0.05)
            if (hook := hooks.pop(n, None)) is not None:
                hook()
        if connection is not None:
            connection[1].close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return codes


def test_twenty_thousand_requests_no_errors_all_logged_memory_flat(
    settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with Server(settings, data) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        asyncio.run(drive(server.url, 500))  # warm up: caches, conversations, allocator
        samples = {"start": server.rss_mb()}
        started = time.monotonic()

        def sample(name: str) -> None:
            samples[name] = server.rss_mb()

        codes = asyncio.run(
            drive(server.url, TOTAL, on_progress={TOTAL // 2: lambda: sample("middle")})
        )
        elapsed = time.monotonic() - started
        samples["end"] = server.rss_mb()
        rows = wait_for_rows(data, TOTAL + 500)
        health = httpx.get(f"{server.url}/healthz").json()
    print(f"\n{TOTAL} requests in {elapsed:.1f}s ({TOTAL / elapsed:.0f}/s); RSS MB {samples}")
    assert codes == {200: TOTAL}, codes
    assert rows == TOTAL + 500, f"{rows} logged of {TOTAL + 500} sent"
    assert health["log"] == "ok" and health["log_spooled"] == 0
    # Flat: no growth with the number of requests once warm (bounded caches only).
    assert samples["end"] - samples["middle"] < 40, samples
    assert samples["end"] - samples["start"] < 80, samples


def test_two_workers_answer_on_one_nodelay_listener_and_log_everything(
    settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with (
        redis(tmp_path / "redis") as shared,  # several workers share their state through it
        Server(settings, data, BOT_WORKERS="2", BOT_REDIS_URL=shared.url) as server,
    ):
        codes = asyncio.run(drive(server.url, 400, concurrency=16))
        rows = wait_for_rows(data, 400)
    assert codes == {200: 400}, codes
    assert rows == 400, f"{rows} logged of 400 sent"
    assert server.output().count("Finished server process") == 2, server.output()  # workers
