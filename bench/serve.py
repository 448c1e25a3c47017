"""Serve the chat with uvicorn workers on a TCP_NODELAY listener (the fix this bench found).

uvicorn binds the shared socket of `--workers` itself, without TCP_NODELAY, so every
reply on a kept-alive connection (headers and body are two writes) waits for the
client's delayed ACK: about 40 ms (docs/performance.md). Setting it on the listening
socket, which accepted sockets inherit on Linux, removes the wait.

Example: python -m bench.serve --port 8000 --workers 2
"""

from __future__ import annotations

import argparse
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


class NoDelayConfig(uvicorn.Config):
    """uvicorn's config, with Nagle's algorithm off on the socket it binds for workers."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args()
    config = NoDelayConfig(
        "bot.web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=args.access_log,
    )
    if args.workers == 1:
        uvicorn.Server(config).run()
        return
    Multiprocess(config, sockets=[config.bind_socket()]).run()


if __name__ == "__main__":
    main()
