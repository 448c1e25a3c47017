"""A path to a person, end to end with a real SMTP server and a real webhook receiver:
a patient asks for a call back (API and no-JavaScript form), the request reaches the
staff inbox sealed, and the clinic's e-mail and webhook within seconds, without health
details; an SMTP outage delays the e-mail and loses nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from bot.callbacks.store import CallbackKeyError, Callbacks
from bot.log.database import Database, utcnow
from bot.settings import Settings
from bot.web.app import create_app
from tests.conftest import staffed_app
from tests.test_staff import sign_in, soup

SECRET = "webhook secret for the test"
PHONE = "0412 345 678"
QUESTION = "can i have exosomes while breastfeeding my baby"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def smtp(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def notifying(settings: Settings, smtp_port: int, hook: str) -> Settings:
    return settings.model_copy(
        update={
            "smtp_url": SecretStr(f"smtp://127.0.0.1:{smtp_port}"),
            "notify_emails": ["frontdesk@clinic.example"],
            "mail_from": "chatbot@clinic.example",
            "webhook_url": hook,
            "webhook_secret": SecretStr(SECRET),
            "public_url": "https://chat.clinic.example",
        }
    )


def request_body(**changes: Any) -> dict[str, Any]:
    body = {
        "conversation_id": None,
        "name": "Jane Citizen",
        "phone": PHONE,
        "email": "",
        "preferred_time": "asap",
        "message": QUESTION,
        "consent": True,
    }
    return body | changes


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app, with room for more requests than a patient may send in an hour."""
    roomy = settings.model_copy(update={"rate_limit_callback": "1000/minute"})
    with TestClient(create_app(roomy)) as test_client:
        yield test_client


def wait_for(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_request_reaches_the_inbox_mail_and_webhook_without_health_details(
    db_settings: Settings, webhook: str
) -> None:
    port = free_port()
    controller, mail = smtp(port)
    try:
        with staffed_app(notifying(db_settings, port, webhook)) as client:
            chat = client.post("/api/chat", json={"message": QUESTION}).json()
            assert chat["kind"] == "no_answer"
            options = client.get("/api/callback").json()
            assert options["choices"][0]["value"] == "asap"
            assert options["status"].startswith("We're")
            body = request_body(conversation_id=chat["conversation_id"])
            created = client.post("/api/callback", json=body)
            assert created.status_code == 201, created.text
            request_id = created.json()["request_id"]
            assert "we have your request" in created.json()["message"]

            wait_for(lambda: mail.messages and Receiver.received)
            envelope = mail.messages[0]
            sent = envelope.content.decode()
            assert envelope.rcpt_tos == ["frontdesk@clinic.example"]
            assert request_id in sent
            assert f"https://chat.clinic.example/staff/callbacks/{request_id}" in sent
            headers, raw = Receiver.received[0]
            expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(headers["X-Bot-Signature"], expected)
            payload = json.loads(raw)
            assert payload["request_id"] == request_id and payload["preferred_time"]
            for private in ("Jane", "412345678", "412 345", "breastfeeding"):
                assert private not in sent and private.encode() not in raw, private
            time.sleep(0.3)
            assert len(mail.messages) == 1 and len(Receiver.received) == 1  # once each
            assert client.get("/healthz").json()["notify"] == "ok"

            # Sealed at rest, and never copied into the query log.
            db: Database = client.app.state.database  # type: ignore[attr-defined]
            with db.engine.connect() as connection:
                stored = connection.execute(text("SELECT sealed FROM callback_requests")).all()
                logged = connection.execute(text("SELECT message, reply FROM questions")).all()
            assert len(stored) == 1 and "Jane" not in stored[0][0] and "0412" not in stored[0][0]
            assert not any("Jane" in str(row) or "412 345" in str(row) for row in logged)

            # The inbox: the request, its conversation, a count in the navigation.
            sign_in(client, "staff@clinic.example")
            page = soup(client.get("/staff/callbacks"))
            nav = page.select_one("nav[aria-label=Staff]")
            assert nav is not None and "Call-backs 1" in " ".join(nav.get_text().split())
            assert "Jane Citizen" in page.select_one("table.callbacks").get_text()  # type: ignore[union-attr]
            detail = soup(client.get(f"/staff/callbacks/{request_id}"))
            assert "+61412345678" in detail.get_text()  # the number in E.164
            assert QUESTION in detail.select_one("ol.turns").get_text()  # type: ignore[union-attr]
            token = detail.select_one("input[name=csrf_token]")["value"]  # type: ignore[index]
            changed = client.post(
                f"/staff/callbacks/{request_id}",
                data={"csrf_token": token, "status": "contacted", "assignee": "nurse@x",
                      "notes": "left a voicemail"},
                follow_redirects=False,
            )  # fmt: skip
            assert changed.status_code == 303
            listed = client.get("/staff/api/callbacks?status=contacted").json()
            assert listed["total"] == 1
            item = listed["items"][0]
            assert item["status_by"] == "staff@clinic.example" and item["assignee"] == "nurse@x"
            assert item["notes"] == "left a voicemail"
            assert client.get("/staff/api/callbacks?status=new").json()["total"] == 0
    finally:
        controller.stop()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"consent": False}, "consent", "Tick the box"),
        ({"phone": "", "email": ""}, "phone", "phone number or an e-mail"),
        ({"phone": "12"}, "phone", "phone number"),
        ({"phone": "0412 345"}, "phone", "not complete"),
        ({"email": "jane@", "phone": ""}, "email", "not valid"),
        ({"name": "  "}, "name", "Enter your name"),
        ({"message": ""}, "message", "what you would like"),
        ({"preferred_time": "whenever"}, "preferred_time", "Choose when"),
    ],
)
def test_bad_input_is_refused_field_by_field(
    client: TestClient, changes: dict[str, Any], field: str, words: str
) -> None:
    response = client.post("/api/callback", json=request_body(**changes))
    assert response.status_code == 422
    assert words.lower() in response.json()["fields"][field].lower()


def test_phone_formats_australian_and_international(client: TestClient) -> None:
    for phone in ("0412 345 678", "(02) 9999 1234", "+61 2 9999 1234", "+44 20 7946 0958",
                  "0044 20 7946 0958"):  # fmt: skip
        response = client.post("/api/callback", json=request_body(phone=phone))
        assert response.status_code == 201, (phone, response.text)
    assert (
        client.post("/api/callback", json=request_body(phone="", email="a@b.co")).status_code == 201
    )
    wrong_type = client.post("/api/callback", json=request_body(consent="yes please"))
    assert wrong_type.status_code == 422


def test_an_smtp_outage_delays_the_mail_and_loses_nothing(
    db_settings: Settings, webhook: str
) -> None:
    port = free_port()  # nothing listens there yet
    with TestClient(create_app(notifying(db_settings, port, webhook))) as client:
        outbox = client.app.state.outbox  # type: ignore[attr-defined]
        created = client.post("/api/callback", json=request_body())
        assert created.status_code == 201  # the patient is not kept waiting on the mail
        request_id = created.json()["request_id"]
        wait_for(lambda: Receiver.received)  # the webhook still goes
        wait_for(lambda: client.get("/healthz").json()["notify"] == "degraded")
        controller, mail = smtp(port)
        try:
            later = utcnow() + timedelta(hours=2)  # past any back-off
            assert outbox.deliver(later) == 1
            assert outbox.deliver(later + timedelta(hours=2)) == 0  # sent once, not twice
            assert len(mail.messages) == 1 and request_id in mail.messages[0].content.decode()
            assert client.get("/healthz").json()["notify"] == "ok"
        finally:
            controller.stop()


def test_the_no_javascript_form_from_a_reply(client: TestClient) -> None:
    page = soup(client.post("/", data={"message": QUESTION}))
    offer = page.select_one("form.cc-offer")
    assert offer is not None and offer["action"] == "/callback"
    fields = {i["name"]: i["value"] for i in offer.select("input")}
    opened = soup(client.post("/callback", data=fields))
    assert opened.select_one("#cb-message").get_text() == QUESTION  # type: ignore[union-attr]
    assert opened.select_one("label[for=cb-consent]") is not None
    assert "We're" in opened.select_one(".callback-status").get_text()  # type: ignore[union-attr]
    form = {"name": "Jo", "phone": "", "email": "", "preferred_time": "asap", "message": QUESTION}
    refused = client.post("/callback", data=form)
    assert refused.status_code == 422
    problems = soup(refused).select_one("#problems")
    assert problems is not None and "Tick the box" in problems.get_text()
    assert soup(refused).select_one("#cb-phone")["aria-invalid"] == "true"  # type: ignore[index]
    done = client.post("/callback", data=form | {"phone": PHONE, "consent": "yes"})
    assert done.status_code == 201
    assert "Your request number is" in soup(done).select_one(".callback-thanks").get_text()  # type: ignore[union-attr]
    # An answered question offers no form (the menu's link always does).
    answered = soup(client.post("/", data={"message": "what are exosomes?"}))
    assert answered.select_one("form.cc-offer") is None
    assert answered.select_one("a[href='/callback']") is not None


def test_every_inbox_route_by_role(settings: Settings, tmp_path: Path) -> None:
    with staffed_app(settings.model_copy(update={"data_dir": tmp_path})) as client:
        rid = client.post("/api/callback", json=request_body()).json()["request_id"]
        routes = ["/staff/callbacks", f"/staff/callbacks/{rid}", "/staff/api/callbacks"]
        client.cookies.clear()
        for route in routes:
            assert client.get(route, follow_redirects=False).status_code == 401, route
        for role, allowed in (("staff", True), ("admin", True), ("content", False)):
            sign_in(client, f"{role}@clinic.example")
            for route in routes:
                status = client.get(route, follow_redirects=False).status_code
                assert status == (200 if allowed else 403), (role, route)
        assert client.get("/staff/callbacks/nope").status_code == 403  # content still
        sign_in(client, "admin@clinic.example")
        assert client.get("/staff/callbacks/nope").status_code == 404


def test_closed_requests_are_purged_after_the_retention(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        store: Callbacks = client.app.state.callbacks  # type: ignore[attr-defined]
        old = client.post("/api/callback", json=request_body()).json()["request_id"]
        kept = client.post("/api/callback", json=request_body()).json()["request_id"]
        store.update(old, "x", status="closed")
        store.update(kept, "x", status="contacted")
        later = utcnow() + timedelta(days=settings.callback_retention_days + 1)
        assert store.purge(later) >= 1
        assert store.get(old) is None and store.get(kept) is not None


def test_production_refuses_to_start_without_a_callback_key(settings: Settings) -> None:
    strong = settings.model_copy(
        update={"production": True, "secret_key": "x7Gq9-kLm2vR8pZt4wYc1NbH6sJd3FfA0eUo"}
    )
    with pytest.raises(CallbackKeyError, match="BOT_CALLBACK_KEY"):
        create_app(strong)
    with pytest.raises(CallbackKeyError, match="not a Fernet key"):
        create_app(strong.model_copy(update={"callback_key": SecretStr("short")}))


def test_call_back_requests_have_their_own_rate_limit(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_callback": "2/minute"})
    with TestClient(create_app(limited)) as client:
        codes = [client.post("/api/callback", json=request_body()).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        assert client.post("/api/chat", json={"message": "what are exosomes?"}).status_code == 200


def test_the_cli_makes_a_key_and_purges(db_settings: Settings) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    made = CliRunner().invoke(main, ["callbacks", "key"])
    assert made.exit_code == 0
    key = made.output.strip()
    keyed = db_settings.model_copy(update={"callback_key": SecretStr(key)})
    with TestClient(create_app(keyed)) as client:
        rid = client.post("/api/callback", json=request_body()).json()["request_id"]
        store: Callbacks = client.app.state.callbacks  # type: ignore[attr-defined]
        store.update(rid, "x", status="booked")
        with client.app.state.database.engine.begin() as connection:  # type: ignore[attr-defined]
            connection.execute(text("UPDATE callback_requests SET closed_at = '2020-01-01'"))
        assert store.get(rid) is not None and store.get(rid).contact.phone == "+61412345678"  # type: ignore[union-attr]
    env = {
        "BOT_DATA_DIR": str(keyed.data_dir),
        "BOT_DATABASE_URL": keyed.database_url,
        "BOT_CALLBACK_KEY": key,
    }
    purged = CliRunner().invoke(main, ["callbacks", "purge"], env=env)
    assert purged.exit_code == 0 and "deleted 1" in purged.output, purged.output


@pytest.mark.parametrize(("hours", "added"), [("", True), ("Mon-Sun 00:00-24:00", False)])
def test_after_hours_the_urgent_reply_adds_the_on_call_line(
    settings: Settings, hours: str, added: bool
) -> None:
    local = settings.model_copy(
        update={"opening_hours": hours, "after_hours_number": "1800 123 456"}
    )
    with TestClient(create_app(local)) as client:
        message = "my face is swelling fast after filler and I cant breathe"
        reply = client.post("/api/chat", json={"message": message}).json()
        assert reply["kind"] == "urgent"
        assert ("1800 123 456" in reply["message"]) is added
        assert reply["message"].index(local.emergency_number) < len(reply["message"]) // 2


def test_bad_opening_hours_stop_the_server_with_a_reason(settings: Settings) -> None:
    from bot.callbacks.hours import HoursError

    with pytest.raises(HoursError, match="Fry"):
        create_app(settings.model_copy(update={"opening_hours": "Mon-Fry 09:00-17:00"}))
