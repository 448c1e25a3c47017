"""Short-lived conversation context, so a follow-up is read in light of the last topic.

The topic lives in the live state (`bot.state.live`): in this process for one server,
in Redis when several share the patients, so the next turn finds it whichever server it
reaches. Only the topic is kept, redacted like the query log (no names, numbers or
addresses), and it expires `BOT_CONVERSATION_TTL_SECONDS` after the last answer.
"""

from __future__ import annotations

from bot.log.redaction import redact
from bot.state.live import LiveState, MemoryState


class Conversations:
    """The last answered topic of each conversation."""

    def __init__(self, ttl_seconds: float, state: LiveState | None = None) -> None:
        self.ttl = ttl_seconds
        self.state = state or MemoryState()

    def topic(self, conversation_id: str) -> str | None:
        return self.state.get(f"topic:{conversation_id}")

    def remember(self, conversation_id: str, topic: str) -> None:
        self.state.set(f"topic:{conversation_id}", redact(topic) or "", self.ttl)

    def forget(self, conversation_id: str) -> bool:
        """Erase the conversation's topic; False when the live state could not be reached."""
        return self.state.delete(f"topic:{conversation_id}")
