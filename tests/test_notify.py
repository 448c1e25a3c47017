"""The notification senders against real servers: aiosmtpd for mail, http.server for webhooks.

Every server is started here on 127.0.0.1 and stopped through its own handle.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from bot.notify.errors import SendError
from bot.notify.mail import MailServer, send_mail
from bot.notify.webhook import post_webhook, signature

LOCAL = "127.0.0.1"
PASSWORD = "correct-horse-battery"
SENDER = "Clinic chatbot <bot@clinic.example>"
STAFF = ["nurse@clinic.example", "desk@clinic.example"]


def free_port() -> int:
    """A port nothing listens on (the OS just handed it out and it was closed again)."""
    with socket.socket() as probe:
        probe.bind((LOCAL, 0))
        port: int = probe.getsockname()[1]
        return port


def full_text(error: BaseException) -> str:
    """What a log would show: the message, its traceback and any chained cause."""
    return "".join(traceback.format_exception(error))


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections (the kernel's backlog does) and never says a word."""
    with socket.create_server((LOCAL, 0)) as listener:
        yield listener.getsockname()[1]


# --- mail -------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """An aiosmtpd handler and authenticator that remember what reached them."""

    password: str = PASSWORD
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes) and envelope.mail_from is not None
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        assert server.transport is not None
        self.tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=password == self.password, handled=False)


@contextmanager
def smtp_server(mailbox: Mailbox, **options: Any) -> Iterator[int]:
    """An aiosmtpd server on a free local port for the duration of the block."""
    port = free_port()
    # server_hostname spares aiosmtpd a getfqdn() DNS lookup.
    controller = Controller(
        mailbox, hostname=LOCAL, port=port, server_hostname="localhost", **options
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(LOCAL, "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_a_mail_arrives_with_its_headers_and_body() -> None:
    mailbox = Mailbox()
    body = "Frau Müller bittet um Rückruf wegen ihrer Nachsorge.\nRequest #42.\n"
    with smtp_server(mailbox) as port:
        send_mail(
            MailServer.parse(f"smtp://{LOCAL}:{port}"),
            SENDER,
            STAFF,
            "New call-back\nrequest #42",
            body,
        )
    assert mailbox.envelopes == [("bot@clinic.example", STAFF)]
    [message] = mailbox.messages
    assert message["From"] == SENDER
    assert message["To"] == ", ".join(STAFF)
    assert message["Subject"] == "New call-back request #42"  # folded onto one line
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == body  # SMTP's line ends
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].endswith("@clinic.example>")
    assert mailbox.tls == [False] and mailbox.logins == []


def test_starttls_then_login(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    mailbox = Mailbox()
    options: dict[str, Any] = {
        "tls_context": server_tls,
        "require_starttls": True,
        "authenticator": mailbox,
        "auth_require_tls": True,
        "auth_required": True,
    }
    with smtp_server(mailbox, **options) as port:
        url = f"smtp://staff%40clinic.example:{quote(PASSWORD)}@{LOCAL}:{port}"
        send_mail(
            MailServer.parse(url), SENDER, STAFF, "New call-back", "Hi", tls_context=client_tls
        )
    assert mailbox.logins == [("staff@clinic.example", PASSWORD)]
    assert mailbox.tls == [True] and len(mailbox.messages) == 1


def test_starttls_checks_the_certificate(server_tls: ssl.SSLContext) -> None:
    mailbox = Mailbox()
    options: dict[str, Any] = {
        "tls_context": server_tls,
        "require_starttls": True,
        "authenticator": mailbox,
    }
    with smtp_server(mailbox, **options) as port:
        server = MailServer(LOCAL, port, username="staff", password=PASSWORD)
        with pytest.raises(SendError, match="certificate not trusted"):
            send_mail(server, SENDER, STAFF, "New call-back", "Hi")  # the system's CAs only
    assert mailbox.logins == [] and mailbox.messages == []


def test_smtps_speaks_tls_from_the_first_byte(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    mailbox = Mailbox()
    # aiosmtpd counts only STARTTLS as TLS when deciding whether to offer AUTH, so a
    # Controller with ssl_context (implicit TLS) must be told AUTH is fine here.
    options: dict[str, Any] = {
        "ssl_context": server_tls,
        "authenticator": mailbox,
        "auth_require_tls": False,
    }
    with smtp_server(mailbox, **options) as port:
        server = MailServer.parse(f"smtps://staff:{PASSWORD}@{LOCAL}:{port}")
        send_mail(server, SENDER, STAFF, "New call-back", "Hi", tls_context=client_tls)
    assert mailbox.tls == [True]
    assert mailbox.logins == [("staff", PASSWORD)]


def test_no_password_in_clear_text_to_a_remote_server(monkeypatch: pytest.MonkeyPatch) -> None:
    mailbox = Mailbox()
    real_connect = socket.create_connection

    def to_local(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert address[0] == "mail.clinic.example"
        return real_connect((LOCAL, address[1]), *args, **kwargs)

    with smtp_server(mailbox, authenticator=mailbox, auth_require_tls=False) as port:
        # The name stands for a server across the network; the connection still lands here.
        monkeypatch.setattr("smtplib.socket.create_connection", to_local)
        server = MailServer("mail.clinic.example", port, username="staff", password=PASSWORD)
        with pytest.raises(SendError, match="STARTTLS") as raised:
            send_mail(server, SENDER, STAFF, "New call-back", "Hi")
    assert mailbox.logins == [] and mailbox.messages == []
    assert PASSWORD not in full_text(raised.value)


def test_a_local_relay_may_take_the_password_in_clear_text() -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox, authenticator=mailbox, auth_require_tls=False) as port:
        server = MailServer(LOCAL, port, username="staff", password=PASSWORD)
        send_mail(server, SENDER, STAFF, "New call-back", "Hi")
    assert mailbox.logins == [("staff", PASSWORD)] and len(mailbox.messages) == 1


def test_a_wrong_password_is_a_send_error_that_does_not_quote_it(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    wrong = "Tr0ub4dor-and-3"
    mailbox = Mailbox()
    options: dict[str, Any] = {
        "tls_context": server_tls,
        "require_starttls": True,
        "authenticator": mailbox,
    }
    with smtp_server(mailbox, **options) as port:
        server = MailServer(LOCAL, port, username="staff", password=wrong)
        with pytest.raises(SendError, match="login refused \\(535") as raised:
            send_mail(server, SENDER, STAFF, "New call-back", "Hi", tls_context=client_tls)
    # smtplib tries each mechanism the server offers (PLAIN, then LOGIN) before giving up.
    assert mailbox.logins and set(mailbox.logins) == {("staff", wrong)}
    assert mailbox.messages == []
    assert wrong not in full_text(raised.value)
    assert str(port) in str(raised.value)  # it names the server


def test_a_non_ascii_password_fails_without_quoting_it() -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox, authenticator=mailbox, auth_require_tls=False) as port:
        server = MailServer(LOCAL, port, username="staff", password="pässwörd")
        with pytest.raises(SendError, match="not ASCII") as raised:
            send_mail(server, SENDER, STAFF, "New call-back", "Hi")
    assert "pässwörd" not in full_text(raised.value) and mailbox.messages == []


def test_a_server_that_is_down_fails_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(SendError, match="connection refused"):
        send_mail(MailServer(LOCAL, free_port()), SENDER, STAFF, "New call-back", "Hi")
    assert time.monotonic() - started < 2


def test_a_silent_server_times_out(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(SendError, match="no answer within 0.3 s"):
        send_mail(MailServer(LOCAL, silent_port), SENDER, STAFF, "Hi", "Hi", timeout=0.3)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.clinic.example", MailServer("mail.clinic.example", 25)),
        ("smtps://mail.clinic.example", MailServer("mail.clinic.example", 465, True)),
        (
            "smtp://staff:pw@mail.clinic.example:587",
            MailServer("mail.clinic.example", 587, False, "staff", "pw"),
        ),
        (
            " smtps://staff%40clinic.example:p%40ss%3Aw%2Frd%25@Mail.Clinic.Example:2465/ ",
            MailServer("mail.clinic.example", 2465, True, "staff@clinic.example", "p@ss:w/rd%"),
        ),
        ("smtp://relay@[::1]:2525", MailServer("::1", 2525, False, "relay", "")),
    ],
)
def test_good_mail_urls(url: str, expected: MailServer) -> None:
    assert MailServer.parse(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "mail.clinic.example",
        "staff:hunter2@mail.clinic.example:587",
        "http://staff:hunter2@mail.clinic.example",
        "smtp://",
        "smtp://staff:hunter2@",
        "smtp://staff:hunter2@mail.clinic.example:smtp",
        "smtp://staff:hunter2@mail.clinic.example:99999",
        "smtp://staff:hunter2@mail.clinic.example:0",
        "smtp://staff:hunter2@mail.clinic.example/inbox",
        "smtp://staff:hunter2@mail.clinic.example?starttls=1",
        "smtp://:hunter2@mail.clinic.example",
        "smtp://staff:hun/ter2@mail.clinic.example",  # an unencoded / ends the netloc
        "smtp://staff:hun#ter2@mail.clinic.example",
        "smtp://staff:hunter2@[::1",
        "smtp://staff:%ff%fehunter2@mail.clinic.example",
        "smtp://staff:h%C3%BCnter2@mail.clinic.example",  # smtplib sends ASCII only
    ],
)
def test_bad_mail_urls_are_refused_without_quoting_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="mail server URL") as raised:
        MailServer.parse(url)
    text = full_text(raised.value)
    assert not any(part in text for part in ("hunter2", "hun", "ter2", "nter2"))


def test_repr_hides_the_password() -> None:
    server = MailServer.parse("smtps://staff:hunter2@mail.clinic.example")
    assert server.password == "hunter2"
    assert "hunter2" not in repr(server) and "hunter2" not in str(server)
    assert "mail.clinic.example" in repr(server)


# --- webhook ----------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: Message
    body: bytes


class Receiver(ThreadingHTTPServer):
    """Remembers every request; answers `status`, with `location` for a redirect."""

    def __init__(self) -> None:
        super().__init__((LOCAL, 0), _Handler)
        self.requests: list[Received] = []
        self.status = 204
        self.location = ""
        self.answer = b""

    @property
    def url(self) -> str:
        return f"http://{LOCAL}:{self.server_port}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append(Received(self.command, self.path, self.headers, body))
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Length", str(len(self.server.answer)))
        self.end_headers()
        self.wfile.write(self.server.answer)

    do_GET = do_POST  # a followed 301/302 arrives as a GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows what the test asserts."""


@contextmanager
def receiving() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


PAYLOAD = {"id": 42, "kind": "callback", "name": "Frau Müller", "link": "/staff/callbacks/42"}


def test_the_webhook_body_is_signed_json(receiver: Receiver) -> None:
    secret = "whsec-5f2b"
    post_webhook(f"{receiver.url}/hooks/T0K3N", PAYLOAD, secret)
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/T0K3N")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "clinic-chatbot"
    assert json.loads(request.body) == PAYLOAD
    assert request.body == json.dumps(
        PAYLOAD, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode("utf-8")
    sent = request.headers["X-Bot-Signature"]
    mac = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sent, "sha256=" + mac)
    forged = hmac.new(b"another-secret", request.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(sent, "sha256=" + forged)


def test_the_signature_is_hmac_sha256_hex() -> None:
    # RFC-style known answer, so the test does not just repeat the implementation.
    expected = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert signature(b"The quick brown fox jumps over the lazy dog", "key") == f"sha256={expected}"


def test_no_signature_without_a_secret(receiver: Receiver) -> None:
    post_webhook(receiver.url, PAYLOAD, "")
    [request] = receiver.requests
    assert "X-Bot-Signature" not in request.headers
    assert json.loads(request.body) == PAYLOAD


def test_credentials_in_the_url_become_basic_auth(receiver: Receiver) -> None:
    post_webhook(f"http://hook:p%40ss@{LOCAL}:{receiver.server_port}/in", PAYLOAD, "s")
    [request] = receiver.requests
    assert request.headers["Authorization"] == "Basic aG9vazpwQHNz"  # hook:p@ss
    assert request.path == "/in"


@pytest.mark.parametrize("status", [404, 500])
def test_an_error_status_is_a_send_error_naming_it(receiver: Receiver, status: int) -> None:
    receiver.status, receiver.answer = status, b"database\n  unavailable"
    url = f"{receiver.url}/hooks/T0K3N"  # not on the line the traceback quotes
    with pytest.raises(SendError, match=f"answered {status} .*: database unavailable") as raised:
        post_webhook(url, PAYLOAD, "s")
    assert "T0K3N" not in full_text(raised.value)  # a webhook's path is often its password
    assert len(receiver.requests) == 1


def test_a_closed_port_is_a_send_error() -> None:
    with pytest.raises(SendError, match="connection refused"):
        post_webhook(f"http://{LOCAL}:{free_port()}/hook", PAYLOAD, "s")


def test_a_silent_receiver_times_out(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(SendError, match="no answer within 0.3 s"):
        post_webhook(f"http://{LOCAL}:{silent_port}/hook", PAYLOAD, "s", timeout=0.3)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_redirect_to_another_host_is_not_followed(receiver: Receiver, status: int) -> None:
    with receiving() as elsewhere:
        receiver.status = status
        receiver.location = f"http://localhost:{elsewhere.server_port}/collect"
        with pytest.raises(SendError, match=f"answered {status}, a redirect to http://localhost"):
            post_webhook(f"{receiver.url}/hook", PAYLOAD, "s")
        assert elsewhere.requests == []
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://hooks.example/T0K3N",
        "file:///etc/T0K3N",
        "http:///T0K3N",
        "https://hooks.example:T0K3N/",
        "https://hooks.example:0/T0K3N",
        "javascript:T0K3N",
    ],
)
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(ValueError, match="webhook URL") as raised:
        post_webhook(url, PAYLOAD, "s")
    assert "T0K3N" not in full_text(raised.value)
