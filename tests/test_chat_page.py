"""The patients' page (with and without JavaScript), the widget file, the demo page,
suggestions, feedback and the CORS allowlist, in process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from bot.index.build import build_index
from bot.replies.answerer import Answerer
from bot.search.embedder import Embedder
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.chat_page import reply_view
from bot.web.templates import TEMPLATES
from tests.conftest import write

CLINIC = "https://clinic.example"
SIDE_EFFECTS = "What are the side effects of stem cell therapy?"


@pytest.fixture(scope="module")
def local(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("data"), "cors_origins": [CLINIC]}
    )


@pytest.fixture(scope="module")
def web(local: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(local)) as client:
        yield client


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def post_form(client: TestClient, message: str, **fields: str) -> BeautifulSoup:
    response = client.post("/", data={"message": message, **fields})
    assert response.status_code == 200, response.text
    return soup(response.text)


# The page without JavaScript


def test_page_greets_with_the_disclaimer_and_suggested_questions(
    web: TestClient, local: Settings
) -> None:
    response = web.get("/")
    assert response.status_code == 200
    assert response.template.name == "patient/chat.html"  # type: ignore[attr-defined]
    page = soup(response.text)
    intro = page.select_one(".cc-intro")
    assert intro is not None
    assert local.greeting in intro.text and local.disclaimer in intro.text
    buttons = page.select(".cc-suggest form[method=post] button[name=message]")
    assert 3 <= len(buttons) <= 5
    assert all(b["value"] == b.text and b.text.endswith("?") for b in buttons)
    form = page.select_one("form.cc-form")
    assert form is not None and form["action"] == "/#cc-latest" and form["method"] == "post"
    assert page.select_one("label[for=cc-input]") is not None
    assert page.select_one(".cc-log[aria-live=polite]") is not None


def test_pages_have_no_inline_script_and_a_strict_csp(web: TestClient) -> None:
    for path in ("/", "/demo"):
        response = web.get(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        scripts = soup(response.text).select("script")
        assert scripts and all(s.get("src") == "/widget.js" and not s.text.strip() for s in scripts)
        assert not soup(response.text).select("[style], style")
        assert "img-src 'self' data:;" in response.headers["content-security-policy"]


def test_the_clinic_logo_is_the_one_image_allowed_from_elsewhere(local: Settings) -> None:
    logo = local.model_copy(update={"logo_url": "https://cdn.clinic.example/logo.svg"})
    with TestClient(create_app(logo)) as client:
        for path in ("/", "/callback", "/demo"):
            csp = client.get(path).headers["content-security-policy"]
            assert "img-src 'self' data: https://cdn.clinic.example;" in csp, path
        assert "https://cdn.clinic.example/logo.svg" in client.get("/widget.js").text


def test_posting_a_question_renders_cards_with_highlights_sources_and_cites(
    web: TestClient,
) -> None:
    page = post_form(web, "What did the Mayo Clinic surgeon say about exosomes?")
    assert page.select_one(".cc-user").text.endswith(
        "What did the Mayo Clinic surgeon say about exosomes?"
    )
    cards = page.select(".cc-card")
    assert 1 <= len(cards) <= 3
    first = cards[0]
    assert first.select("mark"), "the best-matching sentence is highlighted"
    link = first.select_one(".cc-source a")
    assert link["href"].startswith("/articles/exosome-therapy-plastic-surgery#")
    assert "The Rise of Exosome-Mediated Advancements in Plastic Surgery" in link.text
    assert "Mayo Clinic" in [chip.text for chip in first.select(".cc-cites .cc-chip")]
    assert page.select_one("input[name=conversation_id]")["value"]


def test_a_follow_up_keeps_the_conversation(web: TestClient) -> None:
    first = post_form(web, "How is stem cell therapy given?")
    conversation_id = first.select_one("input[name=conversation_id]")["value"]
    follow = post_form(web, "what are its side effects?", conversation_id=conversation_id)
    assert follow.select_one("input[name=conversation_id]")["value"] == conversation_id
    assert any("dryness and fatigue" in card.text for card in follow.select(".cc-card"))


def test_urgent_reply_is_an_alert_with_the_call_to_make(web: TestClient) -> None:
    page = post_form(web, "I had a tummy tuck yesterday and I'm bleeding heavily")
    urgent = page.select_one(".cc-urgent[role=alert]")
    assert urgent is not None and "000" in urgent.text
    assert [a["href"] for a in urgent.select("a.cc-call")] == ["tel:000"]
    assert not page.select(".cc-card")
    self_harm = post_form(web, "i want to kill myself").select_one(".cc-urgent")
    assert [a["href"] for a in self_harm.select("a.cc-call")] == ["tel:000", "tel:131114"]


def test_no_answer_is_kind_and_gives_the_clinic_contact(web: TestClient, local: Settings) -> None:
    page = post_form(web, "What are your opening hours on Saturday?")
    notice = page.select_one(".cc-notice")
    assert notice is not None and local.clinic_contact in notice.text
    assert not page.select(".cc-card")


@pytest.mark.parametrize("message", ["", "   ", "x" * 1001])
def test_a_bad_message_gets_a_readable_error(web: TestClient, message: str) -> None:
    response = web.post("/", data={"message": message})
    assert response.status_code == 422
    assert "up to 1,000 characters" in soup(response.text).select_one("[role=alert]").text


def test_page_without_an_index_says_the_chat_is_unavailable(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(index_dir=tmp_path / "none"))) as client:
        assert client.get("/").status_code == 200
        response = client.post("/", data={"message": "hello"})
        assert response.status_code == 503
        assert "unavailable" in soup(response.text).select_one(".cc-error").text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """An article whose text holds markup and whose link is `javascript:`."""
    root = tmp_path_factory.mktemp("hostile")
    write(
        root / "corpus",
        "sun.md",
        '---\ntitle: Sun Care After Laser Resurfacing\nurl: "javascript:alert(1)"\n'
        "published: 2024-11-02\nreviewed_on: 2025-06-01\n"
        'references:\n  - name: Cancer Council\n    url: ""\n---\n\n'
        "# Sun Care After Laser Resurfacing\n\n"
        "Sunscreen protects healing skin after laser resurfacing. Ignore this "
        '&lt;script&gt;alert("x")&lt;/script&gt; text. Cancer Council recommends '
        "reapplying sunscreen every two hours outdoors after laser resurfacing.\n",
    )
    built = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    build_index(built, embedder)
    return built


def test_article_markup_is_shown_as_text_and_bad_links_are_dropped(hostile: Settings) -> None:
    with TestClient(create_app(hostile)) as client:
        response = client.post("/", data={"message": "How often should sunscreen be reapplied?"})
    page = soup(response.text)
    card = page.select_one(".cc-card")
    assert card is not None
    assert '<script>alert("x")</script>' in card.select_one(".cc-passage").text
    assert not card.select("script") and "<script>alert" not in response.text
    assert card.select_one(".cc-source a") is None, "a javascript: URL is never a link"
    assert (
        card.select_one(".cc-date").text
        == "Medically reviewed 1 June 2025 · Published 2 November 2024"
    )


def test_own_case_questions_get_the_consultation_pointer(
    answerer: Answerer, local: Settings
) -> None:
    """Shown when the reply says `own_case`; a reply without the field counts as false."""
    reply = answerer.ask(SIDE_EFFECTS)
    cards = TEMPLATES.get_template("patient/_cards.html")
    without = cards.render(reply=reply_view(SIDE_EFFECTS, reply, local), settings=local)
    assert "cc-consult" not in without
    reply.own_case = True  # type: ignore[attr-defined]
    with_pointer = soup(cards.render(reply=reply_view(SIDE_EFFECTS, reply, local), settings=local))
    assert local.consult_text in with_pointer.select_one(".cc-consult").text
    assert with_pointer.select(".cc-card"), "general passages are still shown beside it"


# The widget, the demo page and the JSON endpoints


def test_widget_js_is_served_with_its_css_and_settings(web: TestClient, local: Settings) -> None:
    response = web.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=3600" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"
    source = response.text
    assert "/*CONFIG*/" not in source and "/*CSS*/" not in source
    assert json.dumps(local.disclaimer) in source and ".cc-card" in source
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source
    assert len(response.content) <= 40_000  # one file, no framework
    packed = web.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == response.content
    assert int(packed.headers["content-length"]) <= 12_000  # what a patient's phone fetches
    etag = response.headers["etag"]
    again = web.get("/widget.js", headers={"if-none-match": etag})
    assert again.status_code == 304 and not again.content


def test_demo_page_embeds_the_widget_with_one_tag(web: TestClient) -> None:
    page = soup(web.get("/demo").text)
    (tag,) = page.select("script")
    assert tag["src"] == "/widget.js" and tag.has_attr("async")
    assert {"data-title", "data-accent", "data-position"} <= set(tag.attrs)
    assert web.get("/demo?page=treatments").status_code == 200
    assert "Welcome" in web.get("/demo?page=nope").text


def test_every_suggestion_is_answered_by_the_bot(web: TestClient) -> None:
    questions = web.get("/api/suggestions").json()["questions"]
    assert 3 <= len(questions) <= 5
    for question in questions:
        reply = web.post("/api/chat", json={"message": question}).json()
        assert reply["kind"] == "answer", question
        assert not reply.get("own_case", False), question


def test_feedback_is_recorded(web: TestClient, local: Settings) -> None:
    query_id = web.post("/api/chat", json={"message": SIDE_EFFECTS}).json()["query_id"]
    for body in (
        {"query_id": query_id, "helpful": False, "comment": None},
        {"query_id": query_id, "helpful": False, "comment": "  Too technical  "},
    ):
        response = web.post("/api/feedback", json=body)
        assert response.status_code == 202 and response.json() == {"status": "received"}
    log = web.app.state.querylog  # type: ignore[attr-defined]
    assert log.flush()
    mine = [(f.helpful, f.comment) for f in log.feedback_on(query_id)]
    assert mine == [(False, None), (False, "Too technical")]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"query_id": "abc"},
        {"query_id": "abc", "helpful": "yes"},
        {"query_id": "abc", "helpful": 1},
        {"query_id": "", "helpful": True},
        {"query_id": "../etc/passwd", "helpful": True},
        {"query_id": "abc", "helpful": True, "comment": "x" * 501},
        {"query_id": "abc", "helpful": True, "comment": 5},
    ],
)
def test_bad_feedback_is_422(web: TestClient, body: dict[str, object]) -> None:
    response = web.post("/api/feedback", json=body)
    assert response.status_code == 422
    assert all(d["msg"] for d in response.json()["detail"])


def test_feedback_that_cannot_be_written_still_thanks_the_patient(
    local: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    with TestClient(create_app(local.model_copy(update={"data_dir": blocked}))) as client:
        response = client.post("/api/feedback", json={"query_id": "q1", "helpful": True})
    assert response.status_code == 202
    assert '"query_id": "q1"' in caplog.text


# CORS: only the allowlisted clinic sites may call the API from a browser


def preflight(client: TestClient, origin: str) -> httpx.Response:
    return client.options(
        "/api/chat",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )


def test_an_allowed_origin_may_call_the_api(web: TestClient) -> None:
    assert preflight(web, CLINIC).headers["access-control-allow-origin"] == CLINIC
    response = web.post("/api/chat", json={"message": SIDE_EFFECTS}, headers={"origin": CLINIC})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CLINIC
    suggestions = web.get("/api/suggestions", headers={"origin": CLINIC})
    assert suggestions.headers["access-control-allow-origin"] == CLINIC


@pytest.mark.parametrize("origin", ["https://evil.example", "http://clinic.example", "null"])
def test_other_origins_are_refused(web: TestClient, origin: str) -> None:
    refused = preflight(web, origin)
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    for path, body in (
        ("/api/chat", {"message": "hi"}),
        ("/api/feedback", {"query_id": "a", "helpful": True}),
    ):
        response = web.post(path, json=body, headers={"origin": origin})
        assert response.status_code == 403
        assert "access-control-allow-origin" not in response.headers
    assert web.post("/", data={"message": "hi"}, headers={"origin": origin}).status_code == 403


def test_same_origin_needs_no_allowlist(settings: Settings) -> None:
    assert settings.cors_origins == []
    with TestClient(create_app(settings)) as client:
        assert preflight(client, CLINIC).status_code == 400
        same = client.post(
            "/", data={"message": SIDE_EFFECTS}, headers={"origin": "http://testserver"}
        )
        assert same.status_code == 200


def test_origins_setting_accepts_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_CORS_ORIGINS", "https://a.example/, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("BOT_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().cors_origins == ["https://c.example"]


def test_widget_and_page_share_the_card_classes() -> None:
    """The page's cards and the widget's are styled by one stylesheet, so use its classes."""
    widget = (Path(__file__).parent.parent / "web" / "static" / "widget.js").read_text()
    cards = (
        Path(__file__).parent.parent / "web" / "templates" / "patient" / "_cards.html"
    ).read_text()
    for name in set(re.findall(r'class="(cc-[a-z-]+)"', cards)):
        assert f'"{name}"' in widget or f'"{name} ' in widget, name
