"""The widget and the chat page in a real browser: Debian's chromium, driven by Playwright.

A real server runs on a free loopback port with the session's index. Screenshots of each
state go to tests/artifacts/. Without /usr/bin/chromium these tests fail, never skip:
`make test` installs it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, Route

from bot.replies.answerer import Answerer
from bot.search.highlight import excerpt, highlight
from bot.settings import Settings
from bot.web.app import create_app
from tests.browser import ARTIFACTS, serve

CLINIC = "http://clinic.example"  # an allowlisted clinic site, served by page.route
STRANGER = "http://stranger.example"  # a site that is not allowlisted
SIDE_EFFECTS = "What are the side effects of stem cell therapy?"
MAYO = "What did the Mayo Clinic surgeon say about exosomes?"
BLEEDING = "I had a tummy tuck yesterday and I'm bleeding heavily and it won't stop"
HOURS = "What are your opening hours on Saturday?"
HOSTILE_CSS = """
html { font-size: 5px !important; }
* { font-family: "Comic Sans MS", cursive !important; color: #f0f !important;
    background: #0f0 !important; font-size: 40px !important; line-height: 3 !important; }
div, section, article, p, mark, button, form { display: none !important; }
button { visibility: hidden !important; } mark { background: red !important; }
clinic-chat { display: none !important; opacity: 0 !important; }
.cc-card, .cc-panel, .cc-launcher { display: none !important; }
"""


class Server(NamedTuple):
    base: str
    settings: Settings
    app: FastAPI


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real app under uvicorn on a free loopback port, stopped by its own handle."""
    local = settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("data"), "cors_origins": [CLINIC]}
    )
    app = create_app(local)
    with serve(app) as base:
        yield Server(base, local, app)


def new_page(browser: Browser, width: int = 1280, height: int = 800, **options: Any) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    return page


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = new_page(browser, reduced_motion="reduce")
    yield opened
    errors = opened.errors  # type: ignore[attr-defined]
    opened.context.close()
    assert not errors, errors


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def focused(page: Page) -> str:
    """A short description of the element with focus, looking inside shadow roots."""
    return str(
        page.evaluate(
            """() => {
                let a = document.activeElement;
                while (a && a.shadowRoot && a.shadowRoot.activeElement) {
                    a = a.shadowRoot.activeElement;
                }
                return a ? (a.id || a.getAttribute('aria-label') || a.textContent.trim()) : '';
            }"""
        )
    )


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Ask a question").click()
    page.locator(".cc-suggest button").first.wait_for()


def ask(page: Page, question: str) -> None:
    before = page.locator(".cc-log > .cc-bot:not(.cc-typing)").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    page.locator(".cc-log > .cc-bot:not(.cc-typing)").nth(before).wait_for()


def test_widget_opens_and_answers_with_highlighted_passages_and_sources(
    page: Page, server: Server
) -> None:
    open_widget(page, f"{server.base}/demo")
    assert focused(page) == "cc-input", "opening moves focus to the question box"
    intro = page.locator(".cc-intro")
    assert server.settings.disclaimer in intro.inner_text()
    assert 3 <= page.locator(".cc-suggest button").count() <= 5
    shot(page, "01-widget-open")

    ask(page, MAYO)
    card = page.locator(".cc-card").first
    assert card.locator("mark").count() >= 1
    link = card.locator(".cc-source a")
    assert link.get_attribute("href").startswith(f"{server.base}/articles/exosome-therapy")
    assert "Mayo Clinic" in card.locator(".cc-cites .cc-chip").all_inner_texts()
    assert page.get_by_role("group", name="Was this helpful?").count() == 1
    shot(page, "02-widget-answer")


def test_a_suggested_question_is_asked_with_one_click(page: Page, server: Server) -> None:
    open_widget(page, f"{server.base}/demo")
    suggestion = page.locator(".cc-suggest button").first
    question = suggestion.inner_text()
    suggestion.click()
    page.locator(".cc-card").first.wait_for()
    assert page.locator(".cc-user").inner_text().endswith(question)


def test_urgent_reply_comes_first_with_the_call_to_make(page: Page, server: Server) -> None:
    open_widget(page, f"{server.base}/demo")
    ask(page, BLEEDING)
    reply = page.locator(".cc-log > .cc-bot").last
    first = reply.locator(":scope > *").first
    assert first.get_attribute("class") == "cc-urgent" and first.get_attribute("role") == "alert"
    assert first.get_by_role("link", name="Call 000").get_attribute("href") == "tel:000"
    assert reply.locator(".cc-card").count() == 0
    shot(page, "03-widget-urgent")


def test_an_emergency_in_another_language_is_shown_in_it_first(page: Page, server: Server) -> None:
    open_widget(page, f"{server.base}/demo")
    ask(page, "打完玻尿酸以后我的眼睛突然看不见了，怎么办")
    card = page.locator(".cc-log > .cc-bot").last.locator(".cc-urgent")
    translated = card.locator(".cc-translation")
    assert translated.get_attribute("lang") == "zh" and "000" in translated.inner_text()
    assert card.locator("p").first.get_attribute("class") == "cc-translation"
    assert card.get_by_role("link", name="Call 000").count() == 1
    shot(page, "03b-widget-urgent-mandarin")
    ask(page, "¿Cuánto cuesta una consulta?")
    notice = page.locator(".cc-log > .cc-bot").last.locator(".cc-lang")
    assert "131 450" in notice.inner_text()


def test_no_answer_shows_the_clinic_contact(page: Page, server: Server) -> None:
    open_widget(page, f"{server.base}/demo")
    ask(page, HOURS)
    notice = page.locator(".cc-notice")
    assert server.settings.clinic_contact in notice.inner_text()
    assert page.locator(".cc-card").count() == 0
    shot(page, "04-widget-no-answer")


def test_feedback_is_posted_with_an_optional_comment(page: Page, server: Server) -> None:
    open_widget(page, f"{server.base}/demo")
    ask(page, SIDE_EFFECTS)
    with page.expect_response(f"{server.base}/api/feedback") as sent:
        page.get_by_role("button", name="Yes").click()
    body = json.loads(sent.value.request.post_data or "{}")
    assert sent.value.status == 202 and body["helpful"] is True and body["comment"] is None
    assert page.get_by_role("button", name="Yes").get_attribute("aria-pressed") == "true"
    page.get_by_label("Anything to add? (optional)").fill("Clear and useful")
    with page.expect_response(f"{server.base}/api/feedback"):
        page.get_by_role("button", name="Send comment").click()
    page.get_by_text("Thank you, your comment was sent.").wait_for()
    log = server.app.state.querylog
    assert log.flush()
    sent_feedback = [(f.helpful, f.comment) for f in log.feedback_on(body["query_id"])]
    assert sent_feedback == [(True, None), (True, "Clear and useful")]
    shot(page, "05-widget-feedback")


def test_keyboard_alone_opens_asks_answers_and_closes(page: Page, server: Server) -> None:
    page.goto(f"{server.base}/demo")
    for _ in range(12):
        page.keyboard.press("Tab")
        if focused(page) == "Ask a question":
            break
    assert focused(page) == "Ask a question"
    outline = page.evaluate(
        "() => getComputedStyle(document.querySelector('clinic-chat').shadowRoot"
        ".activeElement).outlineStyle"
    )
    assert outline == "solid", "focus is visible"
    page.keyboard.press("Enter")
    assert focused(page) == "cc-input"
    page.keyboard.type(SIDE_EFFECTS)
    page.keyboard.press("Enter")
    page.locator(".cc-card").first.wait_for()
    assert focused(page) == "cc-input", "focus stays put for a follow-up"
    for _ in range(6):  # back from the question box to the feedback buttons
        page.keyboard.press("Shift+Tab")
        if focused(page) == "No":
            break
    assert focused(page) == "No"
    page.keyboard.press("Enter")
    assert page.get_by_role("button", name="No", exact=True).get_attribute("aria-pressed") == "true"
    shot(page, "06-widget-keyboard")
    page.keyboard.press("Escape")
    assert page.locator(".cc-panel").is_hidden()
    assert focused(page) == "Ask a question", "closing returns focus to the launcher"


def test_narrow_screen_gets_a_full_screen_panel(browser: Browser, server: Server) -> None:
    page = new_page(browser, 375, 700, is_mobile=True, has_touch=True)
    open_widget(page, f"{server.base}/demo")
    panel = page.locator(".cc-panel")
    panel.evaluate("p => Promise.all(p.getAnimations().map(a => a.finished))")
    box = panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 700}
    ask(page, SIDE_EFFECTS)
    page.locator(".cc-card").first.wait_for()
    shot(page, "07-widget-narrow")
    page.get_by_role("button", name="Close chat").click()
    assert page.locator(".cc-panel").is_hidden()
    page.context.close()


def test_conversation_survives_navigation_and_can_start_over(page: Page, server: Server) -> None:
    open_widget(page, f"{server.base}/demo")
    ask(page, SIDE_EFFECTS)
    page.get_by_role("navigation").get_by_role("link", name="Treatments").click()
    page.wait_for_url("**/demo?page=treatments")
    page.locator(".cc-card").first.wait_for()  # reopened with the same conversation
    assert page.locator(".cc-user").inner_text().endswith(SIDE_EFFECTS)
    shot(page, "08-widget-after-navigation")
    page.get_by_role("button", name="Start over").click()
    assert page.locator(".cc-user").count() == 0 and page.locator(".cc-card").count() == 0
    assert page.locator(".cc-suggest button").count() >= 3


def hostile_page(server: Server, accent: str = "#0a6b3d") -> str:
    return (
        f"<!doctype html><html><head><title>Clinic</title><style>{HOSTILE_CSS}</style></head>"
        f"<body><h1>A clinic with very hostile CSS</h1>"
        f'<script src="{server.base}/widget.js" async data-title="Ask the clinic" '
        f'data-accent="{accent}" data-position="left"></script></body></html>'
    )


def test_an_allowed_clinic_site_with_hostile_css_cannot_restyle_the_widget(
    page: Page, server: Server
) -> None:
    page.route(
        f"{CLINIC}/**",
        lambda route: route.fulfill(content_type="text/html", body=hostile_page(server)),
    )
    open_widget(page, f"{CLINIC}/")
    ask(page, SIDE_EFFECTS)
    card = page.locator(".cc-card:has(mark)").first
    assert card.is_visible()
    style = card.evaluate(
        """card => {
            const s = getComputedStyle(card), m = getComputedStyle(card.querySelector('mark'));
            return [s.fontSize, s.color, s.backgroundColor, m.backgroundColor, s.fontFamily];
        }"""
    )
    assert style[:4] == ["15px", "rgb(27, 27, 27)", "rgb(255, 255, 255)", "rgb(255, 229, 138)"]
    assert "Comic" not in style[4]
    launcher = page.locator(".cc-launcher").bounding_box()
    assert launcher is not None and launcher["x"] < 100, "data-position=left is honoured"
    accent = page.locator(".cc-head").evaluate("h => getComputedStyle(h).backgroundColor")
    assert accent == "rgb(10, 107, 61)"
    shot(page, "09-widget-hostile-host")


def test_a_site_not_on_the_allowlist_gets_no_answers(page: Page, server: Server) -> None:
    page.route(
        f"{STRANGER}/**",
        lambda route: route.fulfill(content_type="text/html", body=hostile_page(server)),
    )
    page.goto(f"{STRANGER}/")
    page.get_by_role("button", name="Ask a question").click()
    ask(page, SIDE_EFFECTS)
    assert "unavailable" in page.locator(".cc-error").inner_text()
    assert page.locator(".cc-card").count() == 0


def mocked_reply(**extra: Any) -> dict[str, Any]:
    passage = {
        "chunk_id": "x-1",
        "text": '<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2"> '
        "Sunscreen protects healing skin. Reapply it every two hours.",
        "score": 0.9,
        "source": {
            "doc_id": "x",
            "title": "Sun <b>care</b>",
            "section": "After laser",
            "url": "javascript:window.pwned=3",
        },
        "cites": ["<i>Cancer Council</i>"],
        "published": "2024-11-02",
        "reviewed_on": "2025-06-01",
    }
    return {
        "conversation_id": "c1", "query_id": "q1", "kind": "answer",
        "message": "Here is what our articles say:", "disclaimer": "General information.",
        "index_version": "v1", "passages": [passage], **extra,
    }  # fmt: skip


def mock_chat(page: Page, server: Server, reply: dict[str, Any]) -> None:
    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(reply))

    page.route(f"{server.base}/api/chat", fulfil)


def test_markup_from_an_article_is_shown_as_text(page: Page, server: Server) -> None:
    """A mocked reply: the real corpus has no markup, dates or `own_case` (not yet in the API)."""
    mock_chat(page, server, mocked_reply())
    open_widget(page, f"{server.base}/demo")
    ask(page, "How often do I reapply it?")
    card = page.locator(".cc-card")
    assert card.locator(".cc-passage").inner_text().startswith("<script>window.pwned = 1</script>")
    assert card.locator("script, img, b, i").count() == 0
    assert page.evaluate("() => window.pwned") is None
    assert card.locator(".cc-source a").count() == 0, "a javascript: URL is never a link"
    assert "Sun <b>care</b> — After laser" in card.locator(".cc-source").inner_text()
    assert card.locator(".cc-chip").inner_text() == "<i>Cancer Council</i>"
    assert (
        card.locator(".cc-date").inner_text()
        == "Medically reviewed 1 June 2025 · Published 2 November 2024"
    )
    assert card.locator("mark").inner_text() == "Reapply it every two hours."
    assert page.locator(".cc-consult").count() == 0, "no own_case field means no pointer"
    shot(page, "10-widget-markup-as-text")


def test_own_case_question_gets_the_consultation_pointer(page: Page, server: Server) -> None:
    mock_chat(page, server, mocked_reply(own_case=True))
    open_widget(page, f"{server.base}/demo")
    ask(page, "Is my redness normal after laser?")
    consult = page.locator(".cc-consult")
    assert server.settings.consult_text in consult.inner_text()
    assert page.locator(".cc-card").count() == 1, "general passages are shown beside it"
    shot(page, "11-widget-own-case")


def test_browser_and_server_highlight_the_same_sentences(
    page: Page, server: Server, answerer: Answerer
) -> None:
    """bot/highlight.py and widget.js run one algorithm: same sentences, same marks."""
    page.goto(f"{server.base}/demo")
    page.wait_for_function("() => window.ClinicChat")
    rng = random.Random(3)
    alphabet = "ab cD.!?\n“”\"'()Dr.e.g1 therapies scars"
    texts = [c.text for c in answerer.index.chunks] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(150)
    ]
    questions = [SIDE_EFFECTS, MAYO, "what does the TGA allow?", "scars therapy", "Dr. e.g.", ""]
    pairs = [[q, t] for q in questions for t in texts]
    in_browser = page.evaluate("pairs => pairs.map(([q, t]) => ClinicChat.highlight(q, t))", pairs)
    assert in_browser == [[list(piece) for piece in highlight(q, t)] for q, t in pairs]
    long = [[q, t * 6] for q, t in pairs[:: len(pairs) // 200 or 1]]
    in_browser = page.evaluate("pairs => pairs.map(([q, t]) => ClinicChat.excerpt(q, t))", long)
    expected = [excerpt(q, t) for q, t in long]
    assert in_browser == [e and [list(piece) for piece in e] for e in expected]
    assert any(expected) and not all(expected)


def test_chat_page_is_enhanced_with_javascript(page: Page, server: Server) -> None:
    page.goto(f"{server.base}/")
    page.locator(".cc-suggest button").first.wait_for()
    ask(page, MAYO)
    card = page.locator(".cc-card").first
    assert card.locator("mark").count() >= 1
    assert page.url == f"{server.base}/", "answered in place, without a page load"
    page.get_by_role("button", name="Yes").wait_for()
    shot(page, "12-page-with-javascript")


def test_chat_page_works_without_javascript(browser: Browser, server: Server) -> None:
    page = new_page(browser, java_script_enabled=False)
    page.goto(f"{server.base}/")
    page.get_by_label("Your question").fill(MAYO)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    card = page.locator(".cc-card").first
    assert "Mayo Clinic" in card.locator(".cc-chip").all_inner_texts()
    assert card.locator("mark").count() >= 1
    page.get_by_label("Your next question").fill("what are its side effects?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert page.locator(".cc-card").count() >= 1
    shot(page, "13-page-without-javascript")
    page.context.close()


def test_motion_is_reduced_when_the_patient_asks(browser: Browser, server: Server) -> None:
    for motion, expected in (("reduce", "none"), ("no-preference", "cc-in")):
        page = new_page(browser, reduced_motion=motion)
        open_widget(page, f"{server.base}/demo")
        assert (
            page.locator(".cc-panel").evaluate("p => getComputedStyle(p).animationName") == expected
        )
        page.context.close()


COMPARE = "How is exosome therapy different from stem cell therapy?"
NO_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 700)])
def test_a_table_is_a_table_and_long_passages_open_with_their_best_sentences(
    browser: Browser, server: Server, width: int, height: int
) -> None:
    page = new_page(browser, width, height, is_mobile=width < 400, has_touch=width < 400)
    open_widget(page, f"{server.base}/demo")
    ask(page, COMPARE)
    table = page.locator(".cc-card table.cc-table").first
    table.wait_for()
    assert table.locator("thead th").all_inner_texts() == [
        "Feature", "Exosome Therapy", "Stem Cell Therapy"
    ]  # fmt: skip
    assert "Main Role" in table.locator("tbody th").all_inner_texts()
    box, card = table.bounding_box(), page.locator(".cc-card").first.bounding_box()
    assert box and card and box["x"] + box["width"] <= card["x"] + card["width"] + 1
    more = page.locator(".cc-card details.cc-more").first
    excerpt = more.locator("xpath=..").locator(".cc-excerpt")
    assert excerpt.is_visible() and more.locator(".cc-passage").is_hidden()
    table.scroll_into_view_if_needed()
    shot(page, f"14-widget-table-{width}")
    more.locator("summary").click()
    assert more.locator(".cc-passage").is_visible() and excerpt.is_hidden()
    assert more.locator("summary").inner_text() == "Show less"
    assert page.evaluate(NO_SCROLL)
    shot(page, f"14-widget-show-more-{width}")
    page.context.close()


def test_the_page_without_javascript_shows_the_table_and_show_more(
    browser: Browser, server: Server
) -> None:
    page = new_page(browser, 375, 700, java_script_enabled=False)
    page.goto(f"{server.base}/")
    page.get_by_label("Your question").fill(COMPARE)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert page.locator(".cc-card table.cc-table tbody tr").count() >= 3
    page.locator(".cc-card details.cc-more summary").first.click()
    assert page.locator(".cc-card details.cc-more .cc-passage").first.is_visible()
    assert page.evaluate(NO_SCROLL)
    shot(page, "15-page-table-without-javascript")
    page.context.close()
