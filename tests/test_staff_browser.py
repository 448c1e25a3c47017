"""The staff dashboard in a real browser (Debian's chromium via Playwright): sign in, filter,
open a question, review it, export, charts, gaps, sign out. Screenshots go to tests/artifacts/.
Without /usr/bin/chromium this fails, never skips: `make test` installs it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from bot.log.querylog import QueryLog
from bot.settings import Settings
from bot.web.app import create_app
from tests.browser import ARTIFACTS, serve, staff_page
from tests.test_querylog import seed

PASSWORD = "correct horse battery"


class Server(NamedTuple):
    base: str
    settings: Settings


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real app under uvicorn on a free loopback port, with an account and some questions."""
    local = settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("staff-browser")})
    app = create_app(local)
    with serve(app) as base:
        app.state.users.add("nurse@clinic.example", "staff", PASSWORD)
        for question in (
            "What are the side effects of stem cell therapy?",
            "Is exosome therapy allowed in Australia? call me on 0412 345 678",
            "What are your opening hours on Saturday?",
        ):
            assert httpx.post(f"{base}/api/chat", json={"message": question}).status_code == 200
        log: QueryLog = app.state.querylog
        now = datetime.now(ZoneInfo(local.timezone))
        for n, question in enumerate(
            [
                "How much does exosome therapy cost?",
                "What is the price of an exosome treatment?",
                "Do you offer payment plans?",
            ]
        ):
            seed(log, question, "no_answer", at=now - timedelta(days=n + 1))
        seed(log, "Can I fly after a facelift?", helpful=False, at=now - timedelta(days=2))
        assert log.flush()
        yield Server(base, local)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with staff_page(browser, ("401",), timeout_ms=15_000) as opened:
        yield opened


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_staff_sign_in_filter_review_export_and_sign_out(page: Page, server: Server) -> None:
    response = page.goto(f"{server.base}/staff/charts")
    assert response and response.status == 401
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    shot(page, "staff-01-sign-in")
    page.get_by_label("Email").fill("nurse@clinic.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    page.get_by_label("Email").fill("nurse@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.base}/staff/charts")  # back where they were going
    assert page.locator("svg.chart").count() == 3
    shot(page, "staff-02-charts")

    page.get_by_role("link", name="Questions", exact=True).click()
    rows = page.locator("table.questions tbody tr")
    expect(rows).to_have_count(7)
    expect(
        page.get_by_text("Is exosome therapy allowed in Australia? call me on [PHONE]")
    ).to_be_visible()
    shot(page, "staff-03-questions")

    page.get_by_label("Kind").select_option("no_answer")
    page.get_by_label("Search").fill("exosome")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    assert "kind=no_answer" in page.url and "q=exosome" in page.url
    expect(page.get_by_label("Kind")).to_have_value("no_answer")
    shot(page, "staff-04-filtered")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    exported = list(csv.reader(io.StringIO(text)))
    assert sorted(r[5] for r in exported[1:]) == [
        "How much does exosome therapy cost?",
        "What is the price of an exosome treatment?",
    ]

    page.get_by_label("Kind").select_option("")
    page.get_by_label("Search").fill("")
    page.get_by_label("Feedback").select_option("unhelpful")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="Can I fly after a facelift?").click()
    expect(page.get_by_role("heading", name="What the patient saw")).to_be_visible()
    page.get_by_label("Staff note").fill("Write an article about flying after surgery")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Reviewed by nurse@clinic.example")).to_be_visible()
    shot(page, "staff-05-question")

    page.goto(f"{server.base}/staff?reviewed=yes")
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="Content gaps").click()
    expect(page.locator("ol.gaps > li").first).to_contain_text("exosome")
    shot(page, "staff-06-gaps")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    response = page.goto(f"{server.base}/staff")
    assert response and response.status == 401


def test_the_dashboard_on_a_phone(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.base}/staff/signin")
    page.get_by_label("Email").fill("nurse@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("table.questions")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    shot(page, "staff-07-phone")
    context.close()
    assert width <= 390  # the rows are cards: nothing scrolls sideways (test_staff_layout.py)
