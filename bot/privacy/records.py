"""Everything kept about one conversation: shown to whoever holds its id, or erased.

The conversation id is a random secret the patient's browser holds (like a claim
ticket): whoever has it may see and erase what was kept of that conversation, and an
unknown id looks exactly like an erased one. Kept, per conversation: the logged turns
(redacted) and their feedback, call-back requests (sealed) and their notifications,
and the conversation's topic in the live state. Staff reach the same records by
conversation id or by a call-back's phone or e-mail (`find`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.callbacks.intake import normal_email, normal_phone
from bot.callbacks.store import PAGE_SIZE, Callbacks
from bot.log.querylog import QueryLog
from bot.notify.outbox import Outbox
from bot.replies.conversation import Conversations
from bot.settings import Settings
from bot.state.live import LiveState


def notice(settings: Settings) -> str:
    """The collection notice: the clinic's own (`BOT_PRIVACY_NOTICE`), or one that says
    what this installation keeps and for how long."""
    if settings.privacy_notice:
        return settings.privacy_notice
    days = settings.log_retention_days
    kept = f"for {days} days" if days else "until the clinic deletes them"
    return (
        f"We keep your questions, with names and numbers removed, and the passages shown, "
        f"{kept}, to improve our answers; call-back details until "
        f"{settings.callback_retention_days} days after we have dealt with them. Nothing "
        f"is sent outside {settings.clinic_name}'s own server. You can download or delete "
        f"this conversation at any time."
    )


@dataclass(frozen=True)
class Erased:
    turns: int
    callbacks: int
    notifications: int
    context: bool  # the live state's topic is gone (False: Redis could not be reached)


class Records:
    """What is kept of conversations, for access and erasure requests."""

    def __init__(
        self, querylog: QueryLog, callbacks: Callbacks, outbox: Outbox, live: LiveState, ttl: float
    ) -> None:
        self.querylog = querylog
        self.callbacks = callbacks
        self.outbox = outbox
        self.conversations = Conversations(ttl, live)

    def export(self, conversation_id: str) -> dict[str, Any]:
        """Everything kept of the conversation, as JSON (empty lists for an unknown id)."""
        self.querylog.flush()
        turns = []
        for q in self.querylog.conversation(conversation_id):
            feedback = [
                {"at": f.at.isoformat(), "helpful": f.helpful, "comment": f.comment}
                for f in self.querylog.feedback_on(q.query_id)
            ]
            reply = q.as_reply()
            turns.append(
                {
                    "at": q.at.isoformat(),
                    "message": q.message,
                    "kind": q.kind,
                    "passages": [
                        {"chunk_id": p.chunk_id, "source": p.source.title, "text": p.text}
                        for p in reply.passages
                    ],
                    "feedback": feedback,
                }
            )
        requests = [
            {
                "request_id": r.row.request_id,
                "created_at": r.row.created_at.isoformat(),
                "status": r.row.status,
                "preferred_time": r.row.preferred_label,
                **(r.contact.__dict__ if r.contact else {}),
            }
            for r in self.callbacks.of_conversation(conversation_id)
        ]
        return {"conversation_id": conversation_id, "turns": turns, "callback_requests": requests}

    def erase(self, conversation_id: str) -> Erased:
        """Delete every record of the conversation; raises if the database cannot be
        reached (an erasure is never reported done when it is not)."""
        turns = self.querylog.erase_conversation(conversation_id)
        request_ids = self.callbacks.erase_conversation(conversation_id)
        notifications = self.outbox.forget(request_ids)
        context = self.conversations.forget(conversation_id)
        return Erased(turns, len(request_ids), notifications, context)

    def find(self, query: str) -> list[str]:
        """Conversation ids whose call-back requests carry this phone number or e-mail
        address (staff handling a request made by phone or letter), or the id itself."""
        wanted = {query.strip().casefold()}
        for normal in (normal_phone, normal_email):
            try:
                wanted.add(normal(query).casefold())
            except ValueError:
                pass
        found: dict[str, None] = {}
        page = 1
        while True:
            requests, total = self.callbacks.list(page=page)
            for r in requests:
                contact = r.contact
                values = {contact.phone.casefold(), contact.email.casefold()} if contact else set()
                if wanted & (values - {""}) and r.row.conversation_id:
                    found[r.row.conversation_id] = None
            if not requests or page * PAGE_SIZE >= total:
                break
            page += 1
        if not found and self.querylog.conversation(query.strip()):
            found[query.strip()] = None
        return list(found)
