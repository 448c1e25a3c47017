"""Processes for the multi-server tests: Redis, nginx and `bot serve`, each on a free port.

Redis and nginx run from this checkout's deploy/redis.conf and deploy/nginx.conf, rendered
into a temp folder, so the tests exercise the files a clinic deploys. Every process runs in
the foreground as a child of the test and is stopped by its own handle, never by name.
Not tests: helpers for them (and for bench/cluster.py).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
REDIS_SERVER = "/usr/bin/redis-server"
NGINX = "/usr/sbin/nginx"
# The interpreter running the tests is the venv's, so `bot` is beside it.
VENV_BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{\{([A-Z]+)\}\}")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def render(template: Path, values: dict[str, str]) -> str:
    """`template` with each `{{NAME}}` outside comments replaced; all of `values` must be used.

    Comment lines are left as they are: they show the placeholders in their examples.
    """
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        used.add(match[1])
        return values[match[1]]

    lines = []
    for line in template.read_text().splitlines(keepends=True):
        lines.append(line if line.lstrip().startswith("#") else PLACEHOLDER.sub(fill, line))
    assert used == set(values), f"{template.name}: placeholders {set(values) - used} not found"
    return "".join(lines)


def tail(log: Path, lines: int = 40) -> str:
    """The last lines of a log file, for a failure message."""
    if not log.exists():
        return f"({log} was not written)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _wait_until(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], seconds: float, log: Path
) -> None:
    """Poll `ready` until it is true; raise with the log's tail if the process exits first."""
    deadline = time.monotonic() + seconds
    name = Path(str(process.args[0])).name  # type: ignore[index]  # always a list here
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} not ready after {seconds:g} s:\n{tail(log)}")
        time.sleep(0.05)


def _spawn(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` with stdout and stderr appended to `log`, in its own process group."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def _end(process: subprocess.Popen[bytes], sig: signal.Signals, seconds: float) -> None:
    """Send `sig` to our own process, wait; SIGKILL its process group if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the group the process leads (it and any workers it forked), then reap it.

    Only while the leader is unreaped: until then its id cannot name anyone else's group.
    """
    if process.returncode is None:
        os.killpg(process.pid, signal.SIGKILL)  # its own group: start_new_session
    process.wait()


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class RedisServer:
    """A throwaway redis-server from deploy/redis.conf; `.stop()` and `.start()` keep the port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = folder / "redis.log"
        self.conf = folder / "redis.conf"
        values = {"PORT": str(self.port), "DIR": str(folder)}
        self.conf.write_text(render(DEPLOY / "redis.conf", values))
        self.process: subprocess.Popen[bytes] | None = None

    def ping(self) -> bool:
        """Whether the server answers PING (an inline command: no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        """Start the server (again) on its port; returns once it answers PING."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.process = _spawn([REDIS_SERVER, str(self.conf)], self.log)
        _wait_until(self.ping, self.process, 15, self.log)

    def stop(self) -> None:
        """Stop the server (SIGTERM: with no persistence it exits at once)."""
        if self.process is not None:
            _end(self.process, signal.SIGTERM, 10)


@contextmanager
def redis(tmp: Path) -> Iterator[RedisServer]:
    """A Redis server for the duration of the block, its files under `tmp/redis`."""
    folder = tmp / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _user() -> str:
    """`user group` for nginx's workers: whoever runs the test (as root, workers run as root
    too, so they can reach temp files in a folder only root may enter)."""
    return f"{pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name}"


@contextmanager
def nginx(tmp: Path, upstreams: list[str]) -> Iterator[str]:
    """nginx from deploy/nginx.conf in front of `upstreams` ("127.0.0.1:PORT"); yields its URL."""
    folder = tmp / "nginx"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    values = {
        "LISTEN": f"127.0.0.1:{port}",
        "UPSTREAMS": "\n        ".join(f"server {address};" for address in upstreams),
        "PREFIX": str(folder),
        "USER": _user(),
    }
    conf.write_text(render(DEPLOY / "nginx.conf", values))
    log = folder / "stderr.log"
    # -e: the log nginx writes before it has read the config (else /var/log/nginx).
    command = [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    process = _spawn(command, log)
    try:
        _wait_until(lambda: _connects(port), process, 15, folder / "error.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        _end(process, signal.SIGQUIT, 10)  # graceful: finish requests in flight, then exit


class BotServer:
    """One `bot serve` process: `.url`, `.pid`, `.kill()` (SIGKILL) and `.stop()` (SIGTERM)."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.pid = process.pid
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def healthy(self) -> bool:
        """Whether GET /healthz answers 200 (the model and the index are loaded)."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):  # refused, 503, or reset mid-start
            return False

    def kill(self) -> None:
        """Die at once, as a crashed server does (SIGKILL, workers too); reaped."""
        if self.process.poll() is None:
            _kill_group(self.process)

    def stop(self) -> None:
        """Shut down as systemd stops it (SIGTERM: requests in flight finish), and wait."""
        _end(self.process, signal.SIGTERM, 30)


@contextmanager
def bot_server(env: dict[str, str], port: int, log: Path) -> Iterator[BotServer]:
    """`bot serve --port PORT` with os.environ + `env`, ready once /healthz answers 200.

    Its output goes to `log`; if it exits before it is ready, the error carries the log's
    tail. Stopped (SIGTERM) at the end of the block unless it was killed or stopped already.
    """
    script = VENV_BIN / "bot"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    command = [*launcher, "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = _spawn(command, log, {**os.environ, **env, "HF_HUB_OFFLINE": "1"})
    server = BotServer(process, port, log)
    try:
        _wait_until(server.healthy, process, 90, log)  # the model loads first
        yield server
    finally:
        server.stop()
