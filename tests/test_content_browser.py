"""The content pages in a real browser (Debian's chromium via Playwright): sign in as the
content team, upload an article, preview its passages, save, re-index, see it in the
history. Screenshots go to tests/artifacts/. Fails, never skips, without chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.index.build import build_index
from bot.search.embedder import Embedder
from bot.web.app import create_app
from tests.browser import serve, staff_page
from tests.conftest import site_settings, write
from tests.test_publishing import ARTICLE, REST
from tests.test_staff_browser import PASSWORD, shot


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[str]:
    root = tmp_path_factory.mktemp("content-browser")
    write(root / "corpus", "recovery.md", "---\ntitle: Recovery at home\n---\n# Rest\n\n" + REST)
    local = site_settings(root)
    build_index(local, embedder)
    app = create_app(local)
    with serve(app) as url:
        app.state.users.add("writer@clinic.example", "content", PASSWORD)
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with staff_page(browser, ("401", "422"), timeout_ms=30_000) as opened:
        yield opened


def test_upload_preview_save_reindex_and_history(page: Page, base: str, tmp_path: Path) -> None:
    response = page.goto(f"{base}/content")
    assert response and response.status == 401
    page.get_by_label("Email").fill("writer@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/staff/content")
    expect(page.locator("table.articles tbody tr")).to_have_count(1)
    shot(page, "content-01-articles")

    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: Broken\npublished: [2025\n---\n# A\n\nText.\n")
    page.get_by_label("Article file").set_input_files(str(broken))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("line 3")
    shot(page, "content-02-refused")
    page.get_by_role("link", name="Back to the articles").click()

    article = tmp_path / "Flying after a facelift.md"
    article.write_text(ARTICLE)
    page.get_by_label("Article file").set_input_files(str(article))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("ol.chunks li.chunk")).to_have_count(1)
    expect(page.locator(".chunk .chip")).to_have_text("Mayo Clinic")
    shot(page, "content-03-preview")
    page.get_by_role("button", name="Save article").click()
    expect(page.get_by_role("status")).to_contain_text("Saved flying-after-a-facelift.md")
    expect(page.locator("tr", has_text="flying-after-a-facelift.md")).to_contain_text(
        "not re-indexed"
    )
    shot(page, "content-04-saved")

    page.get_by_role("button", name="Re-index now").click()
    expect(page).to_have_url(f"{base}/staff/content/builds")
    row = page.locator("table.builds tbody tr").first
    expect(row).to_contain_text("added: flying-after-a-facelift", timeout=120_000)
    expect(row).to_contain_text("by writer@clinic.example")
    expect(row).to_contain_text("active")
    expect(page.locator(".build.activated")).to_be_visible()
    shot(page, "content-05-history")
    page.get_by_role("link", name="Articles", exact=True).click()
    expect(page.locator("tr", has_text="flying-after-a-facelift.md")).to_contain_text("live")
