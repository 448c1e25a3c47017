"""The multi-server helpers themselves (tests/cluster.py), on tiny stand-ins for the bot.

Redis from deploy/redis.conf answers and comes back on its port after a restart; nginx from
deploy/nginx.conf takes turns between two upstreams and fails over to the live one.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.cluster import nginx, redis


class _PortServer(ThreadingHTTPServer):
    daemon_threads = True
    status = 200


class _SaysItsPort(BaseHTTPRequestHandler):
    """Answers any GET or POST with its server's port number (and that server's status)."""

    server: _PortServer

    def do_GET(self) -> None:
        body = str(self.server.server_address[1]).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.do_GET()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def upstream(status: int = 200) -> Iterator[_PortServer]:
    """A tiny HTTP server on a free port, in a thread; `.shutdown()` may end it early."""
    server = _PortServer(("127.0.0.1", 0), _SaysItsPort)
    server.status = status
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def address(server: _PortServer) -> str:
    return f"127.0.0.1:{server.server_address[1]}"


def request(url: str, data: bytes | None = None) -> tuple[int, str]:
    """Status and body of a GET (or a POST of `data`)."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def test_redis_answers_and_restarts_on_its_port(tmp_path: Path) -> None:
    with redis(tmp_path) as server:
        assert server.ping()
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        server.stop()
        assert not server.ping()
        server.start()
        assert server.ping()
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
    assert not server.ping()


def test_nginx_takes_turns_and_fails_over(tmp_path: Path) -> None:
    with upstream() as one, upstream() as two, nginx(tmp_path, [address(one), address(two)]) as url:
        answered = Counter(request(f"{url}/healthz")[1] for _ in range(10))
        assert answered == {str(one.server_address[1]): 5, str(two.server_address[1]): 5}

        one.shutdown()
        one.server_close()  # refuses connections from now on
        survivor = (200, str(two.server_address[1]))
        assert [request(f"{url}/healthz") for _ in range(6)] == [survivor] * 6
        assert [request(f"{url}/api/chat", b"{}") for _ in range(6)] == [survivor] * 6
    access_log = (tmp_path / "nginx" / "access.log").read_text()
    assert f"upstream={address(one)}, {address(two)}" in access_log  # a retried request


def test_only_the_chat_post_is_resent_after_a_503(tmp_path: Path) -> None:
    """A server without an index answers 503: a chat goes on to the other server, a POST
    that may create something (here the feedback) is not sent twice."""
    with (
        upstream(status=503) as starting,
        upstream() as ready,
        nginx(tmp_path, [address(starting), address(ready)]) as url,
    ):
        ok = (200, str(ready.server_address[1]))
        feedback = [request(f"{url}/api/feedback", b"{}") for _ in range(4)]
        assert set(feedback) == {(503, str(starting.server_address[1])), ok}
        assert [request(f"{url}/api/chat", b"{}") for _ in range(4)] == [ok] * 4
        assert [request(f"{url}/", b"message=hi") for _ in range(2)] == [ok] * 2
        assert request(f"{url}/healthz") == ok
    resent = f"upstream={address(starting)}, {address(ready)} upstream_status=503, 200"
    logged = (tmp_path / "nginx" / "access.log").read_text().splitlines()
    assert any("POST /api/chat" in line and resent in line for line in logged)
