"""The chat server as a separate process, and wrk against it on loopback.

The server is started the way it is deployed (`bot serve`, or uvicorn with the app
factory and several workers), so cold start and memory include everything it loads.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import BENCH, CACHE, VENV_BIN

WRK = shutil.which("wrk") or "/usr/bin/wrk"


def ensure_wrk() -> str:
    """Debian's wrk, installed with apt-get when missing."""
    if not Path(WRK).exists():
        print("installing wrk (apt-get)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env)
    return WRK


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(port: int, message: str, timeout: float = 10.0) -> dict[str, Any]:
    body = json.dumps({"message": message}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/chat",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


class Server:
    """`bot serve` (workers=1) or uvicorn's app factory with `workers` processes."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 1,
        access_log: bool = False,
        log: Path | None = None,
        launcher: str = "nodelay",
    ) -> None:
        self.launcher = launcher
        self.port = free_port()
        self.env = {**os.environ, **env}
        if launcher == "nodelay":
            # The recommended start: one thread per process for torch, FAISS and BLAS (the
            # model's single-query session has one) and bench/serve.py importable.
            self.env.setdefault("OMP_NUM_THREADS", "1")
            self.env["PYTHONPATH"] = os.pathsep.join(
                p for p in (os.environ.get("PYTHONPATH", ""), str(BENCH.parent)) if p
            )
        self.workers = workers
        self.access_log = access_log
        self.log = log or CACHE / "logs" / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.cold_start_s = 0.0

    def command(self) -> list[str]:
        common = ["--host", "127.0.0.1", "--port", str(self.port)]
        if self.launcher == "bot":  # as shipped: one process, access log on
            return [str(VENV_BIN / "bot"), "serve", *common]
        if self.launcher == "uvicorn":  # uvicorn's own command line
            return [
                str(VENV_BIN / "uvicorn"),
                "--factory",
                "bot.web.app:create_app",
                *common,
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                *([] if self.access_log else ["--no-access-log"]),
            ]
        return [  # bench/serve.py: workers on a TCP_NODELAY listener
            str(VENV_BIN / "python"),
            "-m",
            "bench.serve",
            *common,
            "--workers",
            str(self.workers),
            *(["--access-log"] if self.access_log else []),
        ]

    def start(self, timeout: float = 120.0) -> float:
        """Start the server; seconds from process start to the first answered question."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.unlink(missing_ok=True)  # never write into a hard-linked copy
        handle = open(self.log, "wb")  # noqa: SIM115  # closed with the process
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command(),
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log}")
            try:
                if post(self.port, "Is exosome therapy approved in Australia?", 5).get("kind"):
                    self.cold_start_s = time.perf_counter() - started
                    return self.cold_start_s
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s; see {self.log}")

    def pids(self) -> list[int]:
        """The server process and its children (uvicorn's workers)."""
        assert self.proc is not None
        out = [self.proc.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                out.append(int(stat.parent.name))
        return out

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server and its workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory (VmHWM) of each process, and their sum."""
        peaks = {}
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1]) / 1024
        return {
            "max_process": round(max(peaks.values()), 1),
            "total": round(sum(peaks.values()), 1),
        }

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # uvicorn's master stops its workers
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_bodies(path: Path, questions: list[str]) -> Path:
    """One JSON request body per line, as chat.lua reads them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A new file renamed over the old one: the cache may hold hard-linked copies shared
    # with other checkouts, which writing in place would change under them.
    fresh = path.with_name(f".{path.name}.{os.getpid()}")
    fresh.write_text("".join(json.dumps({"message": q}) + "\n" for q in questions))
    os.replace(fresh, path)
    return path


def wrk(
    port: int,
    bodies: Path,
    connections: int,
    seconds: float,
    limit: int,
    log_prefix: Path,
) -> dict[str, Any]:
    """One bounded wrk run: at most `limit` requests and `seconds`; every response logged."""
    threads = min(2, connections)
    per_thread = max(1, limit // threads)
    for old in log_prefix.parent.glob(log_prefix.name + ".[0-9]*"):
        old.unlink()
    command = [
        ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
        "--timeout", "10s", "-s", str(BENCH / "chat.lua"), f"http://127.0.0.1:{port}",
        "--", str(bodies), str(log_prefix), str(threads), str(per_thread),
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    logged = [
        row.split("\t")
        for path in log_prefix.parent.glob(log_prefix.name + ".[0-9]*")
        for row in path.read_text().splitlines()
    ]
    kinds: dict[str, int] = {}
    for row in logged:
        kinds[row[3]] = kinds.get(row[3], 0) + 1
    # Socket errors and time-outs from wrk, and every logged response that was not a 200.
    errors = sum(raw[k] for k in ("connect", "read", "write", "timeout"))
    errors += sum(1 for row in logged if row[2] != "200")
    # A thread that reached its limit stops early, but wrk reports its whole -d: the real
    # run time is from the first to the last logged response (plus one mean latency).
    stamps = [float(row[5]) for row in logged]
    seconds_run = raw["duration_us"] / 1e6
    if len(stamps) > 1:
        seconds_run = min(seconds_run, max(stamps) - min(stamps) + raw["mean_us"] / 1e6)
    return {
        "connections": connections,
        "requests": raw["requests"],
        "logged": len(logged),
        "rps": round(raw["requests"] / seconds_run, 1),
        "latency_ms": {
            "p50": raw["p50_us"] / 1000,
            "p95": raw["p95_us"] / 1000,
            "p99": raw["p99_us"] / 1000,
        },
        "errors": errors,
        "kinds": kinds,
        "seconds": round(seconds_run, 2),
    }
