"""Short-lived conversation context, so a follow-up is read in light of the last topic."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

MAX_CONVERSATIONS = 10_000


class Conversations:
    """The last answered topic of each conversation; bounded in count and age."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._topics: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def topic(self, conversation_id: str) -> str | None:
        with self._lock:
            entry = self._topics.get(conversation_id)
            if entry is None or time.monotonic() - entry[0] > self.ttl:
                return None
            return entry[1]

    def remember(self, conversation_id: str, topic: str) -> None:
        with self._lock:
            self._topics[conversation_id] = (time.monotonic(), topic)
            self._topics.move_to_end(conversation_id)
            while len(self._topics) > MAX_CONVERSATIONS:
                self._topics.popitem(last=False)
