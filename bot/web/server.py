"""Running the app under uvicorn: one process, or several workers on one TCP_NODELAY listener.

uvicorn binds the shared socket of its workers itself, without TCP_NODELAY, so every
reply on a kept-alive connection (headers and body are two writes) waits for the
client's delayed ACK: about 40 ms (docs/performance.md). Setting it on the listening
socket, which accepted sockets inherit on Linux, removes the wait.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from bot.settings import Settings

APP_FACTORY = "bot.web.app:create_app"


class NoDelayConfig(uvicorn.Config):
    """uvicorn's config, with Nagle's algorithm off on the socket it binds for workers."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def run(settings: Settings, workers: int | None = None, access_log: bool = True) -> None:
    """Serve the app on `settings.host:port` with `workers` processes (BOT_WORKERS).

    Each worker builds its own app from the environment (`BOT_*`), so loads its own model
    and index; conversations and rate limits are shared through Redis, which several
    workers therefore need.
    """
    workers = workers or settings.workers
    if workers > 1 and not settings.redis_url:
        raise ValueError(
            f"{workers} workers need BOT_REDIS_URL: without it each worker keeps its own "
            "conversations and rate limits, and follow-ups reaching another worker lose "
            "their topic. Set BOT_REDIS_URL, or serve with --workers 1."
        )
    if workers == 1:
        from bot.web.app import create_app

        # One process: asyncio sets TCP_NODELAY on each connection it accepts itself.
        app = create_app(settings)
        uvicorn.Server(_config(app, settings, 1, access_log)).run()
        return
    config = _config(APP_FACTORY, settings, workers, access_log)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def _config(app: Any, settings: Settings, workers: int, access_log: bool) -> NoDelayConfig:
    return NoDelayConfig(
        app,
        factory=isinstance(app, str),
        host=settings.host,
        port=settings.port,
        workers=workers,
        access_log=access_log,
        # Forwarded headers are believed only from BOT_TRUSTED_PROXIES (bot.web.security),
        # never from uvicorn's default of 127.0.0.1.
        proxy_headers=False,
    )
