"""A path to a person and a patient's own records, in a real browser (Debian's chromium):
the call-back form by keyboard alone, its errors as a screen reader meets them, a
phone-sized screen, the no-JavaScript form from a reply; the collection notice before the
first message, and "Download" / "Delete this conversation". What the patient does must
reach the server's store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from bot.callbacks.store import Callbacks
from bot.settings import Settings
from bot.web.app import create_app
from tests.browser import serve
from tests.test_widget_browser import HOURS, ask, focused, new_page, open_widget, shot


class Server(NamedTuple):
    base: str
    app: FastAPI


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    local = settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("data"),
            "rate_limit_callback": "100/minute",
            "privacy_url": "https://clinic.example/privacy",
        }
    )
    app = create_app(local)
    with serve(app) as base:
        yield Server(base, app)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; any script error on it fails the test."""
    opened = new_page(browser, reduced_motion="reduce")
    yield opened
    errors = opened.errors  # type: ignore[attr-defined]
    opened.context.close()
    assert not errors, errors


def stored(server: Server) -> list[str]:
    store: Callbacks = server.app.state.callbacks
    found, _ = store.list()
    return [r.contact.phone for r in found if r.contact]


def test_keyboard_alone_asks_for_a_call_back_after_an_unanswered_question(
    page: Page, server: Server
) -> None:
    open_widget(page, f"{server.base}/demo")
    ask(page, HOURS)
    offer = page.get_by_role("button", name="Ask the clinic to call me")
    offer.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Your name").wait_for()
    assert focused(page) == "cc-cb-name", "the form takes focus"
    # Every field is labelled for a screen reader; the question is carried over.
    for label in ("Phone number", "E-mail address", "When should we call?", "I agree"):
        assert page.get_by_label(label).count() == 1, label
    assert page.get_by_label("What would you like to ask?").input_value() == HOURS
    assert page.locator(".cc-cb-status").inner_text().startswith("We're")
    form = page.get_by_role("group", name="Ask the clinic to call you")
    privacy = form.get_by_role("link", name="Privacy policy")
    assert privacy.get_attribute("href") == "https://clinic.example/privacy"

    # Sent empty-handed: each problem is announced beside its field, focus goes to the first.
    page.keyboard.press("Enter")  # in the empty name box: sends the form
    page.locator(".cc-cb-error:not([hidden])").first.wait_for()
    assert page.get_by_label("Your name").get_attribute("aria-invalid") == "true"
    assert "Tick the box" in page.locator("#cc-cb-consent-error").inner_text()
    assert focused(page) == "cc-cb-name"
    shot(page, "20-callback-errors")

    page.keyboard.type("Sam Lee")
    page.keyboard.press("Tab")
    assert focused(page) == "cc-cb-phone"
    page.keyboard.type("0412 345 679")
    for _ in range(6):  # e-mail, preferred time, question, privacy link: to the consent box
        page.keyboard.press("Tab")
        if focused(page) == "cc-cb-consent":
            break
    assert focused(page) == "cc-cb-consent"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    done = page.get_by_role("status").filter(has_text="Your request number is")
    done.wait_for()
    assert "we have your request" in done.inner_text()
    assert "+61412345679" in stored(server)
    shot(page, "21-callback-sent")


def test_the_form_fits_a_phone_and_is_offered_from_the_menu(
    browser: Browser, server: Server
) -> None:
    page = new_page(browser, 375, 700, is_mobile=True, has_touch=True)
    open_widget(page, f"{server.base}/demo")
    page.get_by_role("button", name="Call me back").click()
    page.get_by_label("Your name").wait_for()
    wide = page.locator(".cc-log").evaluate("log => log.scrollWidth - log.clientWidth")
    assert wide <= 0, "no sideways scrolling on a phone"
    for label in ("Your name", "Phone number", "When should we call?"):
        box = page.get_by_label(label).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, label
    shot(page, "22-callback-narrow")
    page.get_by_role("button", name="Cancel").click()
    assert page.locator(".cc-cb").count() == 0
    page.context.close()


def test_the_no_javascript_form_from_a_reply(browser: Browser, server: Server) -> None:
    page = new_page(browser, java_script_enabled=False)
    page.goto(f"{server.base}/")
    page.get_by_label("Your question").fill(HOURS)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Ask the clinic to call me").click()
    page.wait_for_load_state()
    assert page.get_by_label("What would you like to ask?").input_value() == HOURS
    page.get_by_label("Your name").fill("Ari Chen")
    page.get_by_label("Phone number").fill("+44 20 7946 0958")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Ask for a call back").click()
    page.wait_for_load_state()
    assert "Your request number is" in page.locator(".callback-thanks").inner_text()
    assert "+442079460958" in stored(server)
    shot(page, "23-callback-without-javascript")
    page.context.close()


def test_the_notice_comes_first_and_a_patient_downloads_and_deletes(
    page: Page, server: Server
) -> None:
    open_widget(page, f"{server.base}/demo")
    notice = page.locator(".cc-privacy")
    assert "names and numbers removed" in notice.inner_text()
    assert page.get_by_role("button", name="Download this conversation").is_hidden()
    ask(page, "what are exosomes?")
    download_button = page.get_by_role("button", name="Download this conversation")
    assert download_button.is_visible()
    with page.expect_download() as got:
        download_button.click()
    kept = json.loads(Path(got.value.path()).read_text())
    assert kept["turns"][0]["message"] == "what are exosomes?"
    cid = kept["conversation_id"]
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        page.get_by_role("button", name="Delete this conversation").click()
    assert deleted.value.status == 204
    page.get_by_text("Your conversation has been deleted.").wait_for()
    records = server.app.state.records
    assert records.export(cid)["turns"] == []
    shot(page, "24-conversation-deleted")
