"""Abuse limits, security headers, the session key in production, and hostile text shown as text.

The 422s for wrong JSON types are in test_api.py; the sign-in lock-out in test_staff.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.index.build import build_index
from bot.log.querylog import Filters
from bot.search.embedder import Embedder
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.security import WeakSecret
from tests.conftest import write

CHAT = {"message": "What are exosomes?"}


def app_with(settings: Settings, tmp_path: Path, **changes: object) -> TestClient:
    """A client on a fresh data folder (own database, own secret key) with `changes`."""
    update = {"data_dir": tmp_path / "data", **changes}
    return TestClient(create_app(settings.model_copy(update=update)))


# Rate limits


def test_chat_over_the_limit_gets_429_with_retry_after(settings: Settings, tmp_path: Path) -> None:
    with app_with(settings, tmp_path, rate_limit_chat="3/minute") as client:
        codes = [client.post("/api/chat", json=CHAT).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        refused = client.post("/api/chat", json=CHAT)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "Too many requests" in refused.json()["detail"]
        # The no-JavaScript page is the same chat, under the same limit.
        assert client.post("/", data={"message": "What are exosomes?"}).status_code == 429
        # Other routes are not limited.
        assert client.get("/healthz").status_code == 200


def test_feedback_and_sign_in_are_limited(settings: Settings, tmp_path: Path) -> None:
    changes = {"rate_limit_feedback": "2/minute", "rate_limit_signin": "2/minute"}
    with app_with(settings, tmp_path, **changes) as client:
        body = {"query_id": "q1", "helpful": True}
        codes = [client.post("/api/feedback", json=body).status_code for _ in range(3)]
        assert codes == [202, 202, 429]
        form = {"email": "a@clinic.example", "password": "wrong password!", "csrf_token": "x"}
        codes = [client.post("/staff/signin", data=form).status_code for _ in range(3)]
        assert codes[-1] == 429 and 429 not in codes[:2]
        assert client.post("/staff/signin", data=form).headers["retry-after"]


def test_limits_are_per_client_and_forwarded_for_only_from_trusted_proxies(
    settings: Settings, tmp_path: Path
) -> None:
    def spoofed(client: TestClient, address: str) -> int:
        headers = {"X-Forwarded-For": address}
        return client.post("/api/chat", json=CHAT, headers=headers).status_code

    # Not trusted: a forged X-Forwarded-For does not give a fresh allowance.
    with app_with(settings, tmp_path, rate_limit_chat="1/minute") as client:
        assert spoofed(client, "203.0.113.1") == 200
        assert spoofed(client, "203.0.113.2") == 429
    # Behind a trusted proxy (the test client's address), each forwarded client has its own.
    trusted = {"rate_limit_chat": "1/minute", "trusted_proxies": ["testclient", "127.0.0.1"]}
    with app_with(settings, tmp_path, **trusted) as client:
        assert spoofed(client, "203.0.113.1") == 200
        assert spoofed(client, "203.0.113.2") == 200
        assert spoofed(client, "203.0.113.1") == 429


def test_a_malformed_limit_stops_the_server_with_its_name(settings: Settings) -> None:
    with pytest.raises(ValueError, match="BOT_RATE_LIMIT_CHAT"):
        create_app(settings.model_copy(update={"rate_limit_chat": "lots"}))


# Request size


def test_body_over_the_cap_gets_413(client: TestClient, settings: Settings) -> None:
    big = b'{"message": "' + b"a" * settings.max_body_bytes + b'"}'
    response = client.post("/api/chat", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413

    def chunks():  # no Content-Length: the cap counts what arrives
        for _ in range(settings.max_body_bytes // 1000 + 2):
            yield b"a" * 1000

    response = client.post("/api/chat", content=chunks())
    assert response.status_code == 413
    assert client.post("/api/chat", json=CHAT).status_code == 200


@pytest.mark.parametrize(
    "content",
    [
        b'{"message": "hi"',  # truncated
        b"\xff\xfe not utf-8",
        b'{"message": "' + b"[" * 5000 + b'"}',
        b"[" * 5000,  # deep nesting
        b'{"message": 1e999}',
        b'{"message": "hi", "message": 5}',
        b"null",
        b'"just a string"',
    ],
)
def test_broken_json_is_a_client_error_never_500(client: TestClient, content: bytes) -> None:
    response = client.post(
        "/api/chat", content=content, headers={"content-type": "application/json"}
    )
    # 422 with the reason; JSON nested too deeply to parse at all is FastAPI's 400.
    assert response.status_code in (400, 422), response.text
    assert "detail" in response.json()


# Headers

PAGES = ["/", "/demo", "/widget.js", "/healthz", "/openapi.json", "/staff/signin", "/nowhere"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_a_strict_csp_and_security_headers(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert "strict-transport-security" not in response.headers  # plain http


def test_the_api_replies_carry_the_headers_too(client: TestClient) -> None:
    response = client.post("/api/chat", json=CHAT)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers


def test_frame_ancestors_come_from_settings_and_staff_is_never_framed(
    settings: Settings, tmp_path: Path
) -> None:
    allowed = "'self' https://clinic.example"
    with app_with(settings, tmp_path, frame_ancestors=allowed) as client:
        for path in ("/", "/demo", "/articles/exosome-therapy-plastic-surgery"):
            csp = client.get(path).headers["content-security-policy"]
            assert f"frame-ancestors {allowed}" in csp, path
            assert csp.count("frame-ancestors") == 1
        staff = client.get("/staff/signin").headers["content-security-policy"]
        assert "frame-ancestors 'none'" in staff


def test_hsts_only_over_https(settings: Settings, tmp_path: Path) -> None:
    with app_with(settings, tmp_path) as client:
        client.base_url = client.base_url.copy_with(scheme="https")
        assert client.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    # Behind a trusted proxy, X-Forwarded-Proto says whether the patient used https.
    with app_with(settings, tmp_path, trusted_proxies=["testclient"]) as client:
        response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" in response.headers
    with app_with(settings, tmp_path) as client:
        response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in response.headers  # not from anyone


def test_no_cdn_docs_pages(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 200


# The session key


@pytest.mark.parametrize("key", ["changeme", "x" * 40, "short-but-random-9f3k", "secret123"])
def test_production_refuses_a_weak_key(settings: Settings, tmp_path: Path, key: str) -> None:
    weak = settings.model_copy(update={"data_dir": tmp_path, "production": True, "secret_key": key})
    with pytest.raises(WeakSecret, match="weak"):
        create_app(weak)
    create_app(weak.model_copy(update={"production": False}))  # development: a warning only


def test_production_accepts_a_strong_or_generated_key(settings: Settings, tmp_path: Path) -> None:
    strong = "k3Y-" + os.urandom(24).hex()
    sealing = SecretStr(Fernet.generate_key().decode())  # production needs it too
    base = {"data_dir": tmp_path / "data", "production": True, "callback_key": sealing}
    create_app(settings.model_copy(update=base | {"secret_key": strong}))
    create_app(settings.model_copy(update=base))  # generated into data/secret_key
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_production_refuses_a_key_file_others_can_read(settings: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text(os.urandom(32).hex())
    (data / "secret_key").chmod(0o644)
    with pytest.raises(WeakSecret, match="chmod 600"):
        create_app(settings.model_copy(update={"data_dir": data, "production": True}))


def test_production_refuses_when_no_key_can_be_kept(settings: Settings, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")  # data_dir is a file: no key file can be written
    with pytest.raises(WeakSecret, match="not set"):
        create_app(settings.model_copy(update={"data_dir": blocked, "production": True}))


# Hostile text, shown as text

HOSTILE = [
    "<script>alert('x')</script> exosome therapy",
    '<img src=x onerror="alert(1)"> exosomes',
    "exosomes'; DROP TABLE questions; --",
    "exo\u0000some\u0007 therapy\u001b[31m",
    "\u202eypareht emosoxe\u202c and \u200f\u061c rtl",
    "exosomes 💉🧬👩🏽‍⚕️ 🇦🇺",
    "x" * 1000,
]


@pytest.mark.parametrize("message", HOSTILE)
def test_hostile_messages_are_answered_and_escaped(
    settings: Settings, tmp_path: Path, message: str
) -> None:
    with app_with(settings, tmp_path) as client:
        response = client.post("/api/chat", json={"message": message})
        assert response.status_code == 200, response.text
        page = client.post("/", data={"message": message})
        assert page.status_code == 200
        soup = BeautifulSoup(page.text, "html.parser")
        assert not soup.select("img[onerror], script:not([src])")
        assert "<script>alert" not in page.text
        client.app.state.querylog.flush()  # type: ignore[attr-defined]
        logged = client.app.state.querylog.questions(Filters())  # type: ignore[attr-defined]
        assert logged.total == 2  # the SQL fragment is a value, never SQL


def test_ten_thousand_character_word_is_refused_politely(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "a" * 10_000})
    assert response.status_code == 422
    page = client.post("/", data={"message": "a" * 10_000})
    assert page.status_code in (413, 422) and "Traceback" not in page.text


HOSTILE_ARTICLE = """---
title: "Exosomes <script>alert('title')</script> & you"
url: "javascript:alert(1)"
---
# Aftercare <img src=x onerror=alert(2)>

Exosome aftercare means avoiding the sun. <script>alert('body')</script> Keep the area clean
\u202eand cool\u202c after exosome aftercare 💉; ask about '; DROP TABLE questions; -- anytime.

{word} ends the exosome aftercare advice.
"""


def test_hostile_articles_are_indexed_and_shown_as_text(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "hostile.md", HOSTILE_ARTICLE.format(word="w" * 10_000))
    local = settings.model_copy(
        update={"corpus_dir": corpus, "index_dir": tmp_path / "index", "data_dir": tmp_path / "d"}
    )
    build_index(local, embedder)
    with TestClient(create_app(local)) as client:
        body = client.post("/api/chat", json={"message": "exosome aftercare sun"}).json()
        assert body["kind"] == "answer", body
        assert all(len(p["text"]) <= 1000 for p in body["passages"])
        # Markdown's inline tags are markup, dropped by the parser; the words stay as text.
        assert any("alert('body')" in p["text"] for p in body["passages"])
        assert "<script>" in body["passages"][0]["source"]["title"]  # front matter: plain text
        for html in (
            client.post("/", data={"message": "exosome aftercare sun"}).text,
            client.get("/articles/hostile").text,
        ):
            soup = BeautifulSoup(html, "html.parser")
            assert not soup.select("img[onerror], script:not([src]), a[href^=javascript]")
            assert "&lt;script&gt;" in html
