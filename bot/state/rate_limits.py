"""Rate-limit counters (the `limits` library's sliding-window counter): in this process,
or in Redis so that one limit holds across every server.

With Redis unreachable a request is counted in this process instead (each server then
allows the limit on its own, as without Redis) and Redis is tried again after
`RETRY_SECONDS`; a limit never fails a request.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from bot.state.live import RETRY_SECONDS, TIMEOUT_SECONDS

log = logging.getLogger("bot.state")


class Limiter:
    """Whether a client is over a rule's limits, counted where every server sees it."""

    def __init__(self, redis_url: str = "") -> None:
        self.local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self.shared: SlidingWindowCounterRateLimiter | None = None
        self._down_until = 0.0
        if redis_url:
            import redis

            storage = RedisStorage(
                redis_url,
                socket_timeout=TIMEOUT_SECONDS,
                socket_connect_timeout=TIMEOUT_SECONDS,
            )
            self.shared = SlidingWindowCounterRateLimiter(storage)
            self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)

    def wait(self, items: list[RateLimitItem], name: str, client: str) -> int | None:
        """Seconds to wait if this request is over any of `items`, else None (counted)."""
        limiter = self.local
        if self.shared is not None and time.monotonic() >= self._down_until:
            try:
                return self._wait(self.shared, items, name, client)
            except self._errors as exc:
                log.warning("rate limits: Redis unavailable (%s); counting per server", exc)
                self._down_until = time.monotonic() + RETRY_SECONDS
        return self._wait(limiter, items, name, client)

    @staticmethod
    def _wait(
        limiter: SlidingWindowCounterRateLimiter, items: list[RateLimitItem], name: str, client: str
    ) -> int | None:
        for item in items:
            if not limiter.hit(item, name, client):
                reset, _ = limiter.get_window_stats(item, name, client)
                return max(1, math.ceil(reset - time.time()))
        return None
