"""POSTing a call-back request to the clinic's chat tool or CRM as signed JSON.

The receiver recomputes `X-Bot-Signature` (HMAC-SHA256 of the exact body bytes with the
shared secret) to know the request came from us. A webhook URL is often a credential in
itself (its path is the token), so errors name only the scheme and host. Redirects are
never followed: urllib would turn the POST into a bodiless GET, or hand the signed body to
whoever the first host points at; a 3xx is reported so the URL can be corrected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from bot.notify.errors import SendError

USER_AGENT = "clinic-chatbot"


def signature(body: bytes, secret: str) -> str:
    """`sha256=<hex HMAC-SHA256 of body>`, the value of the X-Bot-Signature header."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    """The body as sent and signed: compact, keys sorted, UTF-8, strictly JSON (no NaN)."""
    text = json.dumps(
        payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def post_webhook(url: str, payload: dict[str, Any], secret: str, *, timeout: float = 10.0) -> None:
    """POST `payload` as JSON; SendError (worth retrying) unless the receiver answers 2xx.

    ValueError, before any request, for a URL that is not http(s) with a host.
    `https://user:password@host/…` is sent as HTTP Basic authentication.
    """
    # Messages quote nothing from the URL but its scheme and host.
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("webhook URL: the host or port is malformed") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise ValueError("webhook URL must be http:// or https:// with a host (and a port 1-65535)")
    where = f"{parts.scheme}://{parts.hostname}"
    body = encode(payload)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if secret:
        headers["X-Bot-Signature"] = signature(body, secret)
    if parts.username is not None:
        login = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(login.encode()).decode("ascii")
    netloc = parts.netloc.rpartition("@")[2]
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    request = urllib.request.Request(target, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_RefuseRedirects())
    try:
        # The answer's body is not read: a receiver could trickle it out for ever.
        with opener.open(request, timeout=timeout):
            pass
    except urllib.error.HTTPError as exc:
        with exc:
            raise SendError(f"webhook {where}: {_status(exc)}") from None
    except urllib.error.URLError as exc:
        raise SendError(f"webhook {where}: {_network(exc.reason, timeout)}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise SendError(f"webhook {where}: {_network(exc, timeout)}") from None


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Leave every 3xx to the error handler, which raises it as an HTTPError."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def _status(exc: urllib.error.HTTPError) -> str:
    if 300 <= exc.code < 400:
        location = urlsplit(exc.headers.get("Location", ""))
        to = f"{location.scheme}://{location.hostname}" if location.hostname else "elsewhere"
        return f"answered {exc.code}, a redirect to {to} (not followed; correct the URL)"
    try:
        snippet = " ".join(exc.read(300).decode("utf-8", "replace").split())
    except (OSError, http.client.HTTPException):
        snippet = ""
    return f"answered {exc.code} {exc.reason}" + (f": {snippet}" if snippet else "")


def _network(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return str(reason) or type(reason).__name__
