"""The JSON contract of the patient API, as documented in /openapi.json."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_MESSAGE_CHARS = 1000

# A message is stripped before its length is checked, so the schema says it needs a
# character that is not a space by every dialect's rule: JSON Schema's (no \x85), Rust's
# (pydantic) and Python's str.strip (which also strips \x1c-\x1f).
NOT_ONLY_SPACE = r"[^\s\x1c-\x1f\x85]"
Message = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        pattern=NOT_ONLY_SPACE,
    ),
]
ConversationId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class ChatRequest(BaseModel):
    """A patient's message; `conversation_id` links follow-ups to earlier turns."""

    model_config = ConfigDict(strict=True)

    message: Message = Field(description="The patient's question, 1 to 1,000 characters.")
    conversation_id: ConversationId | None = Field(
        None, description="Returned by the first reply; send it back with each follow-up."
    )


class SourceOut(BaseModel):
    doc_id: str
    title: str
    section: str
    url: str = Field(description="Link to the article section the passage comes from.")


class TableOut(BaseModel):
    lead: str = Field(description="The sentence leading into the table, if it says anything.")
    header: list[str]
    rows: list[list[str]] = Field(description="The rows this passage holds, cells in order.")


class PassageOut(BaseModel):
    chunk_id: str
    text: str = Field(description="The article's own words, to be shown as plain text.")
    score: float
    source: SourceOut
    cites: list[str] = Field(description="Sources the article cites in this passage.")
    published: str | None = None
    reviewed_on: str | None = None
    curated: bool = Field(
        False, description="Pinned by the clinic's staff for this question (shown first)."
    )
    table: TableOut | None = Field(
        None,
        description="A passage made of table rows: show it as a table (`text` has the "
        "same rows as sentences, for screen readers and plain-text clients).",
    )


class UrgentOut(BaseModel):
    tier: Literal["A", "B"] = Field(
        description="A: call the emergency number now. B: contact the treating surgeon or "
        "injector now, and go to an emergency department if they cannot be reached."
    )
    concept: str = Field(description="The red flag in the triage catalogue, e.g. `chest_pain`.")
    title: str = Field(description="The red flag in words, for staff.")
    language: str = Field(description="The language the patient wrote in (`en`, `zh`, …).")
    translation: str | None = Field(
        None,
        description="The reply in the patient's language (drafted; awaiting review by an "
        "accredited translator). Show it before `message`.",
    )


class ChatResponse(BaseModel):
    conversation_id: str
    query_id: str
    kind: Literal["answer", "no_answer", "urgent"]
    message: str
    disclaimer: str
    index_version: str
    passages: list[PassageOut]
    own_case: bool = Field(
        False,
        description="The message asks about the patient's own case; the bot never judges "
        "one, so show a pointer to book a consultation.",
    )
    urgent: UrgentOut | None = Field(None, description="Why the reply is urgent.")
    language_notice: str | None = Field(
        None,
        description="For a message in another language: a short line in it saying the bot "
        "answers in English, with the emergency, interpreter and crisis numbers.",
    )


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    index_version: str | None = None
    reason: str | None = None
    log: Literal["ok", "degraded"] | None = Field(
        None,
        description="The query log: `degraded` while records wait in the spool for the "
        "database (the chat still answers).",
    )
    log_spooled: int = Field(0, description="Records waiting in the spool.")
    state: Literal["memory", "ok", "degraded"] | None = Field(
        None,
        description="Live state (conversations, rate limits): `memory` in this process, "
        "`ok` in Redis, `degraded` while Redis is unreachable (the chat still answers).",
    )
    notify: Literal["ok", "degraded", "off"] | None = Field(
        None,
        description="Call-back notifications: `degraded` while sends are failing (they are "
        "retried; nothing is lost), `off` when no e-mail or webhook is set up.",
    )


MAX_COMMENT_CHARS = 500


class FeedbackRequest(BaseModel):
    """A patient's "was this helpful?" answer to one reply."""

    model_config = ConfigDict(strict=True)

    query_id: ConversationId = Field(description="The `query_id` of the reply it is about.")
    helpful: bool
    comment: Annotated[
        str | None, StringConstraints(strip_whitespace=True, max_length=MAX_COMMENT_CHARS)
    ] = Field(None, description="An optional short comment, up to 500 characters.")


class FeedbackResponse(BaseModel):
    status: Literal["received"] = "received"


class Suggestions(BaseModel):
    questions: list[str] = Field(description="Three to five questions the articles answer.")


class CallbackIn(BaseModel):
    """A patient's request to be called back (checked field by field by the server)."""

    conversation_id: ConversationId | None = Field(
        None, description="The chat's conversation, so staff see what was asked."
    )
    name: str = Field(max_length=200)
    phone: str | None = Field(None, max_length=60, description="Australian or international.")
    email: str | None = Field(None, max_length=320)
    preferred_time: str = Field(
        max_length=64, description="One of the `choices` values from GET /api/callback."
    )
    message: str = Field(max_length=MAX_MESSAGE_CHARS, description="The patient's question.")
    consent: bool = Field(description="The patient agreed to the collection notice.")


class CallbackCreated(BaseModel):
    request_id: str
    message: str = Field(description="What to tell the patient (when the clinic will call).")


class CallbackSlot(BaseModel):
    value: str
    label: str


class CallbackOptions(BaseModel):
    open: bool = Field(description="Whether the clinic is open now.")
    status: str = Field(description='"We\'re open — …" or "We\'re closed — …".')
    choices: list[CallbackSlot] = Field(description="Preferred times to offer, soonest first.")
    privacy_notice: str
    privacy_url: str | None = None


class CallbackProblem(BaseModel):
    """A call-back request refused: `fields` names what to fix in each field (a body
    that is not even the right shape gets the usual list of errors in `detail`)."""

    detail: str | list[dict[str, Any]]
    fields: dict[str, str] = Field(default_factory=dict)
