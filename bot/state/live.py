"""A small key-value store with expiry for what the next request may need from this one.

One server (the embedded default) keeps it in process. Several servers behind a load
balancer share it in Redis (`BOT_REDIS_URL`), so a follow-up finds its context whichever
server it reaches. Redis is a help, never a dependency of a reply: every call has a short
timeout, and after a failure the store stays away for `RETRY_SECONDS` (so a Redis outage
costs one timeout, not one per request), answers "nothing stored" meanwhile, reports
`degraded`, and comes back by itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Protocol

log = logging.getLogger("bot.state")

MAX_KEYS = 10_000  # in process: oldest first out
TIMEOUT_SECONDS = 0.25  # a Redis call that takes longer is a failure
RETRY_SECONDS = 2.0


class LiveState(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_seconds: float) -> None: ...

    def delete(self, key: str) -> bool:
        """Forget `key`; False when that could not be done (Redis unreachable)."""
        ...

    def health(self) -> str:
        """ "memory" (one process), "ok" (Redis answering) or "degraded"."""
        ...


class MemoryState:
    """In this process only: right for one server with one worker."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is None or time.monotonic() > entry[0]:
                return None
            return entry[1]

    def set(self, key: str, value: str, ttl_seconds: float) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl_seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_keys:
                self._items.popitem(last=False)

    def delete(self, key: str) -> bool:
        with self._lock:
            self._items.pop(key, None)
        return True

    def health(self) -> str:
        return "memory"


class RedisState:
    """In Redis, shared by every server; keys expire on their own (SET … PX)."""

    def __init__(self, url: str, prefix: str = "bot:") -> None:
        import redis

        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
            decode_responses=True,
        )
        self._errors = (redis.RedisError, OSError)
        self._down_until = 0.0

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        if self._usable():
            log.warning("live state: Redis unavailable (%s); retrying in %ss", exc, RETRY_SECONDS)
        self._down_until = time.monotonic() + RETRY_SECONDS

    def get(self, key: str) -> str | None:
        if not self._usable():
            return None
        try:
            value = self.client.get(self.prefix + key)
        except self._errors as exc:
            self._failed(exc)
            return None
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl_seconds: float) -> None:
        if not self._usable():
            return
        try:
            self.client.set(self.prefix + key, value, px=max(1, int(ttl_seconds * 1000)))
        except self._errors as exc:
            self._failed(exc)

    def delete(self, key: str) -> bool:
        try:  # tried even while marked down: an erasure must not be skipped quietly
            self.client.delete(self.prefix + key)
        except self._errors as exc:
            self._failed(exc)
            return False
        return True

    def health(self) -> str:
        if not self._usable():
            return "degraded"
        try:
            self.client.ping()
        except self._errors as exc:
            self._failed(exc)
            return "degraded"
        return "ok"


def live_state(redis_url: str) -> LiveState:
    """Redis when a URL is given, else this process's memory."""
    return RedisState(redis_url) if redis_url else MemoryState()
