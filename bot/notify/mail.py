"""E-mailing the clinic through its own mail server, with the standard library's smtplib.

`smtp://` upgrades with STARTTLS whenever the server offers it, and will not send a password
over a connection that stayed in clear text unless the server is this machine (a local
relay); `smtps://` speaks TLS from the first byte. Errors name the server, never the password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from bot.notify.errors import SendError

log = logging.getLogger(__name__)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
# An unencoded one of these in a password ends the user part early; say so, since the
# resulting error ("bad port") would otherwise point at the wrong thing.
_ENCODE_HINT = "(percent-encode any of : / ? # @ in the user name or password)"


@dataclass(frozen=True)
class MailServer:
    """Where and how to hand over mail; the password stays out of repr() and error messages."""

    host: str
    port: int
    implicit_tls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def parse(cls, url: str) -> MailServer:
        """Read `smtp://[user[:password]@]host[:port]` or `smtps://…`; ValueError if malformed.

        Example: `MailServer.parse("smtp://staff%40clinic.example:pw@mail.clinic.example:587")`
        """
        # Messages below quote nothing from the URL: a slip in it may put the password anywhere.
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise ValueError(
                f"mail server URL: the host or port is malformed {_ENCODE_HINT}"
            ) from None
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(
                "mail server URL must start with smtp:// (STARTTLS) or smtps:// (implicit TLS)"
            )
        host = parts.hostname or ""
        if not host or any(c.isspace() for c in host):
            raise ValueError("mail server URL has no host, e.g. smtp://mail.clinic.example:587")
        if port == 0:
            raise ValueError("mail server URL: the port must be 1-65535")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(
                f"mail server URL takes no path, query or fragment after the host {_ENCODE_HINT}"
            )
        try:
            username = unquote(parts.username or "", errors="strict")
            password = unquote(parts.password or "", errors="strict")
        except UnicodeDecodeError:
            raise ValueError(
                "mail server URL: the user name or password is not valid percent-encoded UTF-8"
            ) from None
        if password and not username:
            raise ValueError("mail server URL has a password but no user name")
        if not (username + password).isascii():
            # smtplib encodes AUTH as ASCII; failing here beats failing on every send.
            raise ValueError(
                "mail server URL: smtplib can only send an ASCII user name and password"
            )
        return cls(
            host=host,
            port=port or DEFAULT_PORTS[parts.scheme],
            implicit_tls=parts.scheme == "smtps",
            username=username,
            password=password,
        )

    @property
    def is_local(self) -> bool:
        """This machine: clear-text credentials never cross a network to reach it."""
        return self.host.lower() in LOCAL_HOSTS


def build_message(sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message; the subject is folded onto one line, as a header must be."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    # A subject may carry a patient's words; a newline there would otherwise raise.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(localtime=True)
    # The sender's domain, not make_msgid's default getfqdn(), which can stall on DNS.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body, charset="utf-8")
    return message


def send_mail(
    server: MailServer,
    sender: str,
    to: list[str],
    subject: str,
    body: str,
    *,
    timeout: float = 10.0,
    tls_context: ssl.SSLContext | None = None,
) -> None:
    """Send one plain-text mail; SendError (worth retrying) if it did not get through.

    `tls_context` replaces the system's trusted CAs, e.g. with a test CA. A recipient the
    server refuses while it accepts others is logged, not raised: a retry would send the
    others a second copy.
    """
    if not to:
        raise ValueError("send_mail needs at least one recipient")
    message = build_message(sender, to, subject, body)
    context = tls_context or ssl.create_default_context()
    where = f"{server.host}:{server.port}"
    try:
        refused = _deliver(server, message, sender, to, timeout, context)
    except SendError:
        raise
    except UnicodeError:
        # Its text would quote the offending string, which may be the password.
        raise SendError(f"mail via {where}: a header or credential is not ASCII") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"mail via {where}: {_reason(exc, timeout)}") from exc
    for address, (code, text) in refused.items():
        log.warning("mail via %s: %s refused (%s %s)", where, address, code, _text(text))


def _deliver(
    server: MailServer,
    message: EmailMessage,
    sender: str,
    to: list[str],
    timeout: float,
    context: ssl.SSLContext,
) -> dict[str, tuple[int, bytes]]:
    smtp: smtplib.SMTP
    if server.implicit_tls:
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if not server.implicit_tls:
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif server.username and not server.is_local:
                raise SendError(
                    f"mail via {server.host}:{server.port}: the server does not offer "
                    "STARTTLS; refusing to send the password in clear text (use smtps://)"
                )
        if server.username:
            smtp.login(server.username, server.password)
        return smtp.send_message(message, from_addr=parseaddr(sender)[1] or sender, to_addrs=to)


def _reason(exc: BaseException, timeout: float) -> str:
    """One readable line for the staff who read the outbox's log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused: " + "; ".join(
            f"{address} ({code} {_text(text)})" for address, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused ({exc.smtp_code} {_text(exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {exc.smtp_code} {_text(exc.smtp_error)}"
    # smtplib reports a timeout while reading a reply as "Connection unexpectedly closed".
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the mail server running on that port?)"
    return str(exc) or type(exc).__name__


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())
