"""Plumbing shared by the browser tests: a real server on loopback and Debian's chromium.

Without /usr/bin/chromium the browser tests fail, never skip: `make test` installs it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright

from bot.settings import ROOT

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # "Clinic sites" served by page.route count as public addresses to Chromium; let them
    # reach the bot on loopback, as a real clinic's site reaches a real host.
    "--disable-features=LocalNetworkAccessChecks",
]  # fmt: skip
ARTIFACTS = ROOT / "tests" / "artifacts"


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` under uvicorn on a free loopback port; yields its base URL, then stops it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright (never its own browser download)."""
    assert CHROMIUM.exists(), (
        "Debian's chromium is missing: `make test` installs it "
        "(apt-get install -y --no-install-recommends chromium)"
    )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def staff_page(
    browser: Browser, expected: tuple[str, ...], timeout_ms: int, width: int = 1280
) -> Iterator[Page]:
    """A desktop-sized page (or, with a `width` under 600, a phone) in a fresh context;
    fails if the page logs an unexpected error.

    Chromium logs a 401 sign-in page or a 422 form reply as a failed resource: those
    are `expected` (matched in the message); nothing else may be logged.
    """
    phone = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": 812 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    context.set_default_timeout(timeout_ms)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    assert [p for p in problems if not any(code in p for code in expected)] == []
