"""Abuse limits and security headers, as one ASGI middleware in front of every route.

Per client address: rate limits on the chat, feedback and sign-in posts (429 with
`Retry-After`), a cap on the request body (413), a browser POST from another site refused
(403), and on every response the headers a browser needs (CSP, nosniff, Referrer-Policy,
HSTS over https). The client address is the
connecting peer, or what `X-Forwarded-For` says only when the peer is one of
`BOT_TRUSTED_PROXIES` (uvicorn's own proxy-headers middleware does that part).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from pydantic import BaseModel, SecretStr
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.settings import Settings
from bot.state.rate_limits import Limiter

log = logging.getLogger("bot")

# Our pages load nothing inline and nothing from elsewhere (but the clinic's logo, the one
# image `bot setup` may point elsewhere); frame-ancestors is filled in.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{images}; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)
HSTS = "max-age=31536000"
UPLOADS = "/staff/content/"
MIN_SECRET_CHARS = 32
WEAK_SECRETS = {"changeme", "secret", "password", "development", "test", "default"}
_FRAME_ANCESTORS = re.compile(r"frame-ancestors [^;]*")
PRIVACY_PATHS = ("/api/conversations/", "/conversation/")


class Problem(BaseModel):
    detail: str


# The answers a JSON post may get before its route runs, documented in /openapi.json.
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body could not be read (not UTF-8 JSON)."},
    413: {"model": Problem, "description": "The body is larger than BOT_MAX_BODY_BYTES."},
    429: {
        "model": Problem,
        "description": "Over the client's rate limit; `Retry-After` says how many seconds to wait.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


class WeakSecret(RuntimeError):
    """Production mode with a missing or guessable session key."""


def install(app: FastAPI, settings: Settings) -> None:
    """Put the limits and headers in front of the app (outermost, after the proxy headers)."""
    app.add_exception_handler(RequestValidationError, _invalid)
    for value, name in (
        (settings.rate_limit_chat, "BOT_RATE_LIMIT_CHAT"),
        (settings.rate_limit_feedback, "BOT_RATE_LIMIT_FEEDBACK"),
        (settings.rate_limit_signin, "BOT_RATE_LIMIT_SIGNIN"),
        (settings.rate_limit_callback, "BOT_RATE_LIMIT_CALLBACK"),
    ):
        _limits(value, name)  # a typo stops the server now, not at the first request
    app.add_middleware(Guard, settings=settings)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


def page_csp(settings: Settings) -> str:
    """The policy of every page but the staff's: the logo's https origin may add an image."""
    logo = urlsplit(settings.logo_url or "")
    images = f" https://{logo.netloc}" if logo.scheme == "https" and logo.netloc else ""
    return PAGE_CSP.format(ancestors=settings.frame_ancestors, images=images)


class Guard:
    """Rate limits, the body cap and the security headers; see the module docstring."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        # The content team uploads articles (signed in, under /staff/content): their own cap.
        upload = getattr(settings, "max_upload_bytes", 0)
        self.max_upload = max(self.max_body, upload + 64 * 1024)  # room for the multipart form
        self.allowed_origins = set(settings.cors_origins)
        self.page_csp = page_csp(settings)
        self.ancestors = f"frame-ancestors {settings.frame_ancestors}"
        # A sliding-window counter keeps two counters per client and rule: memory stays flat;
        # in Redis when several servers share the patients, so one limit holds for all.
        self.limiter = Limiter(settings.redis_url)
        chat = _limits(settings.rate_limit_chat, "BOT_RATE_LIMIT_CHAT")
        callback = _limits(settings.rate_limit_callback, "BOT_RATE_LIMIT_CALLBACK")
        # A patient's access and erasure requests: limited like feedback, per address.
        self.privacy = ("privacy", _limits(settings.rate_limit_feedback, "BOT_RATE_LIMIT_FEEDBACK"))
        self.rules: dict[tuple[str, str], tuple[str, list[RateLimitItem]]] = {
            ("POST", "/api/chat"): ("chat", chat),
            ("POST", "/"): ("chat", chat),  # the no-JavaScript page is the same chat
            ("POST", "/api/feedback"): (
                "feedback",
                _limits(settings.rate_limit_feedback, "BOT_RATE_LIMIT_FEEDBACK"),
            ),
            ("POST", "/api/callback"): ("callback", callback),
            ("POST", "/callback"): ("callback", callback),  # the no-JavaScript form
            ("POST", "/staff/signin"): (
                "signin",
                _limits(settings.rate_limit_signin, "BOT_RATE_LIMIT_SIGNIN"),
            ),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        rule = self.rules.get((scope["method"], scope["path"]))
        if rule is None and scope["path"].startswith(PRIVACY_PATHS):
            rule = self.privacy
        if rule is not None:
            wait = self._over_limit(rule, client_ip(scope))
            if wait is not None:
                await _reply(send, 429, "Too many requests. Please wait a moment.", wait)
                return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await self._read_body(scope, receive)
            if body is None:
                await _reply(send, 413, "The request is too large.")
                return
            receive = _replay(body)
        if scope["method"] in ("POST", "DELETE") and not self._origin_allowed(scope):
            refused = JSONResponse(
                {"detail": "This website may not use the chat."}, status_code=403
            )
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _origin_allowed(self, scope: Scope) -> bool:
        """A browser POST from a page neither on this site nor allowed is refused outright.

        CORS alone only stops the page reading the reply; this stops the request itself.
        Same origin is judged by host, not scheme, so TLS ending at a proxy still matches.
        """
        origin: str | None = None
        host: str | None = None
        for name, value in scope["headers"]:
            if name == b"origin" and origin is None:
                origin = value.decode("latin-1")
            elif name == b"host" and host is None:
                host = value.decode("latin-1")
        if not origin or origin in self.allowed_origins:
            return True
        return urlsplit(origin).netloc == host

    def _over_limit(self, rule: tuple[str, list[RateLimitItem]], client: str) -> int | None:
        """Seconds to wait if this request is over any of the rule's limits, else None."""
        name, items = rule
        return self.limiter.wait(items, name, client)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None once it is over the cap (read no further than that)."""
        cap = self.max_upload if scope["path"].startswith(UPLOADS) else self.max_body
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > cap:
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        staff = scope["path"].startswith("/staff")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                csp = headers.get("Content-Security-Policy")
                if csp is None:
                    headers["Content-Security-Policy"] = self.page_csp
                elif not staff:  # staff pages keep 'none': never framed
                    headers["Content-Security-Policy"] = _FRAME_ANCESTORS.sub(self.ancestors, csp)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        return send_with_headers


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    """422 with each error's place and reason, without echoing the input back.

    FastAPI's own handler echoes it, and fails with a 500 on input JSON cannot hold
    (`{"message": 1e999}` is infinity); a patient's message is better not echoed anyway.
    """
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{k: v for k, v in e.items() if k not in ("input", "ctx")} for e in errors]
    return JSONResponse({"detail": jsonable_encoder(detail)}, status_code=422)


def client_ip(scope: Scope) -> str:
    """The client's address (already the forwarded one when a trusted proxy sent it)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _limits(value: str, name: str) -> list[RateLimitItem]:
    try:
        return parse_many(value)
    except ValueError as exc:
        raise ValueError(f"{name}={value!r} is not a rate limit like 30/minute") from exc


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _reply(send: Send, status: int, detail: str, retry_after: int | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def check_secret(settings: Settings, secret: str) -> None:
    """In production mode, refuse a missing or weak session key; warn about it otherwise.

    A key generated into <data_dir>/secret_key counts as strong while the file is 0600.
    """
    problem = secret_problem(settings, secret)
    if problem is None:
        return
    if settings.production:
        raise WeakSecret(f"refusing to start the staff pages in production: {problem}")
    log.warning("staff sessions: %s (BOT_PRODUCTION would refuse to start)", problem)


def secret_problem(settings: Settings, secret: str) -> str | None:
    """Why the session key is unsafe, or None."""
    given = settings.secret_key
    key = given.get_secret_value() if isinstance(given, SecretStr) else str(given or "")
    if not key:
        path = settings.data_dir / "secret_key"
        try:
            mode = path.stat().st_mode & 0o777
            stored = path.read_text(encoding="ascii").strip()
        except OSError:
            return f"BOT_SECRET_KEY is not set and {path} could not be written"
        if stored != secret:
            return f"BOT_SECRET_KEY is not set and {path} could not be read"
        if mode & 0o077:
            return f"{path} may be read by other users (mode {mode:o}; chmod 600 it)"
        key = stored
    if (
        len(key) < MIN_SECRET_CHARS
        or len(set(key)) < 10
        or key.lower().strip("0123456789") in WEAK_SECRETS
    ):
        return f"the session key is weak: use at least {MIN_SECRET_CHARS} random characters"
    return None
