"""Every staff and content page in a real browser at a phone's 375 px and a desktop's
1280 px: no sideways scrolling, the navigation reachable (a "Menu" on the phone), the
questions table read as a list of cards on the phone. Screenshots of each page at both
widths go to tests/artifacts/screens/. Fails, never skips, without chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from bot.curation.store import Curation, Passage
from bot.index.build import build_index
from bot.log.gaps import GapTracker
from bot.log.querylog import Filters, QueryLog
from bot.search.embedder import Embedder
from bot.web.app import create_app
from tests.browser import ARTIFACTS, serve, staff_page
from tests.conftest import CORPUS, site_settings
from tests.test_publishing import ARTICLE
from tests.test_querylog import seed
from tests.test_staff import SIDE_EFFECTS, URGENT_B

PASSWORD = "correct horse battery"
SCREENS = ARTIFACTS / "screens"
WIDTHS = (375, 1280)
ARTICLE_FILE = "exosome-therapy-plastic-surgery.md"


class Site(NamedTuple):
    base: str
    pages: dict[str, str]  # name: path, every staff and content page (GET)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Site]:
    """The app on its own copy of the corpus, with something on every page: questions of
    every kind over a fortnight, an urgent one, a call-back request, a pin, a hidden
    passage, a gap being written and an audit trail."""
    root = tmp_path_factory.mktemp("layout")
    (root / "corpus").mkdir()
    shutil.copy(CORPUS / ARTICLE_FILE, root / "corpus" / ARTICLE_FILE)
    local = site_settings(root)
    build_index(local, embedder)
    app = create_app(local)
    with serve(app) as base:
        app.state.users.add("admin.with.a.long.name@clinic.example", "admin", PASSWORD)
        chat = httpx.post(f"{base}/api/chat", json={"message": SIDE_EFFECTS}).json()
        httpx.post(f"{base}/api/chat", json={"message": URGENT_B})
        body = {"conversation_id": chat["conversation_id"], "name": "Jane Citizen",
                "phone": "0412 345 678", "email": "", "preferred_time": "asap",
                "message": "Can I have exosomes while breastfeeding?", "consent": True}  # fmt: skip
        created = httpx.post(f"{base}/api/callback", json=body)
        assert created.status_code == 201, created.text
        log: QueryLog = app.state.querylog
        now = datetime.now(ZoneInfo(local.timezone))
        for n in range(14):
            seed(log, f"How much does exosome therapy cost, option {n}?", "no_answer",
                 at=now - timedelta(days=n, hours=1))  # fmt: skip
            seed(log, "What are the side effects of exosomes?", at=now - timedelta(days=n),
                 helpful=n % 3 != 0)  # fmt: skip
        assert log.flush()
        answered = log.questions(Filters(q=SIDE_EFFECTS)).items[0]
        chunks = app.state.answerer.index.chunks
        curation: Curation = app.state.curation
        curation.pin("Is exosome therapy legal?", [Passage(chunks[0].chunk_id, chunks[0].text)],
                     "admin.with.a.long.name@clinic.example")  # fmt: skip
        curation.hide(Passage(chunks[-1].chunk_id, chunks[-1].text), "outdated", "admin")
        GapTracker(app.state.database).mark(
            "Exosome prices", ["How much does exosome therapy cost?"], "admin"
        )
        today = now.date().isoformat()
        pages = {
            "questions": "/staff",
            "question": f"/staff/questions/{answered.id}",
            "gaps": "/staff/gaps",
            "charts": "/staff/charts",
            "charts-one-day": f"/staff/charts?since={today}&until={today}",
            "curation": "/staff/curation",
            "pin": "/staff/curation/new?question=Is+exosome+therapy+legal%3F",
            "callbacks": "/staff/callbacks",
            "callback": f"/staff/callbacks/{created.json()['request_id']}",
            "accounts": "/staff/accounts",
            "privacy": f"/staff/privacy?q={chat['conversation_id']}",
            "audit": "/staff/audit",
            "content-articles": "/staff/content",
            "content-edit": f"/staff/content/articles/{ARTICLE_FILE}/edit",
            "content-builds": "/staff/content/builds",
            "content-gaps": "/staff/content/gaps",
        }
        yield Site(base, pages)


def shot(page: Page, name: str, width: int) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=True)


WIDE = """(width) => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 1)
  .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
       + " " + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""


def no_sideways_scroll(page: Page, width: int, name: str) -> None:
    """Nothing wider than the screen: a phone would zoom out (innerWidth grows) or the page
    would scroll sideways. On failure, the outermost elements that stick out are named."""
    sizes = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]"
    )
    fits = sizes[1] == width and max(sizes) <= width
    assert fits, f"{name} is wider than {width} px: {sizes}, {page.evaluate(WIDE, width)}"


def sign_in(page: Page, base: str) -> None:
    response = page.goto(f"{base}/staff/signin")
    assert response and response.ok
    page.get_by_label("Email").fill("admin.with.a.long.name@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/staff")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen(browser: Browser, site: Site, width: int) -> None:
    with staff_page(browser, ("401",), timeout_ms=30_000, width=width) as page:
        page.goto(f"{site.base}/staff/signin")
        no_sideways_scroll(page, width, "sign-in")
        shot(page, "signin", width)
        sign_in(page, site.base)
        for name, path in site.pages.items():
            response = page.goto(site.base + path)
            assert response and response.status == 200, name
            no_sideways_scroll(page, width, name)
            shot(page, name, width)

        # The preview comes from an upload (nothing is saved).
        page.goto(f"{site.base}/staff/content")
        article = SCREENS / "flying-after-a-facelift.md"
        article.write_text(ARTICLE, encoding="utf-8")
        page.get_by_label("Article file").set_input_files(str(article))
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("ol.chunks li.chunk")).to_have_count(1)
        no_sideways_scroll(page, width, "content-preview")
        shot(page, "content-preview", width)
        article.unlink()


def test_the_menu_on_a_phone_and_the_row_of_links_on_a_desktop(
    browser: Browser, site: Site
) -> None:
    with staff_page(browser, ("401",), timeout_ms=30_000, width=375) as phone:
        sign_in(phone, site.base)
        charts = phone.get_by_role("link", name="Charts", exact=True)
        expect(charts).to_be_hidden()  # folded away until the Menu is opened
        menu = phone.locator("header summary", has_text="Menu")
        expect(menu).to_be_visible()
        menu.click()
        expect(charts).to_be_visible()
        expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
        no_sideways_scroll(phone, 375, "the open menu")
        shot(phone, "menu-open", 375)
        charts.click()
        expect(phone).to_have_url(f"{site.base}/staff/charts")
        expect(phone.get_by_role("heading", name="Charts", level=1)).to_be_visible()
    with staff_page(browser, ("401",), timeout_ms=30_000, width=1280) as desktop:
        sign_in(desktop, site.base)
        expect(desktop.locator("header summary", has_text="Menu")).to_be_hidden()
        for name in ("Questions", "Charts", "Content gaps", "Call-backs", "Audit", "Accounts"):
            expect(desktop.get_by_role("link", name=name, exact=False).first).to_be_visible()
        desktop.get_by_role("link", name="Audit").click()
        expect(desktop).to_have_url(f"{site.base}/staff/audit")


CELLS = """() => {
  const row = document.querySelector("table.questions tbody tr");
  const head = document.querySelector("table.questions thead").getBoundingClientRect();
  const cells = [...row.querySelectorAll("td")];
  return {
    row: getComputedStyle(row).display,
    head: head.width * head.height,
    labels: cells.map(td => getComputedStyle(td, "::before").content),
    lefts: cells.map(td => Math.round(td.getBoundingClientRect().left)),
  };
}"""


def test_the_questions_read_as_a_list_on_a_phone(browser: Browser, site: Site) -> None:
    with staff_page(browser, ("401",), timeout_ms=30_000, width=375) as phone:
        sign_in(phone, site.base)
        cards = phone.evaluate(CELLS)
        assert cards["row"] != "table-row" and cards["head"] <= 1  # no header row to line up
        assert '"Time"' in cards["labels"] and '"Reply"' in cards["labels"]
        assert len(set(cards["lefts"])) == 1  # the cells are stacked, not side by side
        first = phone.locator("table.questions tbody tr").first
        box = first.bounding_box()
        assert box and box["width"] <= 375
        urgent = phone.locator("section.urgent-queue")
        expect(urgent).to_be_visible()
        assert urgent.bounding_box()["y"] < box["y"]  # type: ignore[index]  # above the list
    with staff_page(browser, ("401",), timeout_ms=30_000, width=1280) as desktop:
        sign_in(desktop, site.base)
        table = desktop.evaluate(CELLS)
        assert table["row"] == "table-row" and table["head"] > 1
        assert len(set(table["lefts"])) == 5  # five columns
