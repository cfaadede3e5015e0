"""Fixtures for the real-browser tests: one `mbcbot serve` for the session, Debian's Chromium, a fresh page per test.

Where Chromium is missing every test here is skipped with the reason (and where Playwright is missing each
test module skips itself), so `pytest` stays green on a machine without them. No browser is ever downloaded:
Playwright drives /usr/bin/chromium (the `chromium` Debian package). Playwright is imported lazily here, so
this file loads without it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .servers import HOST, free_port, health_url, serve, wait_until_healthy

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from .pages import PageErrors, Widget

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LAUNCH_TIMEOUT_MS = 30_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"


@pytest.fixture(scope="session", autouse=True)
def _needs_chromium() -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"the browser tests need Chromium at {CHROMIUM}: apt-get install chromium")


@pytest.fixture(scope="session")
def server_secret() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="session")
def base_url(_no_deployment_settings: None, tmp_path_factory: pytest.TempPathFactory, server_secret: str) -> Iterator[str]:
    """`mbcbot serve` (two workers) on a free loopback port, for the whole session; its base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "serve.log"
    with serve(port, log, server_secret, workers=2) as process:
        wait_until_healthy(health_url(port), process, log)
        yield f"http://{HOST}:{port}"


@pytest.fixture(scope="session")
def driver() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=LAUNCH_TIMEOUT_MS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A desktop-sized context of its own (so its own sessionStorage: no conversation leaks between tests)."""
    from .pages import DESKTOP, new_context

    context = new_context(browser, *DESKTOP)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def page_errors(page: Page) -> PageErrors:
    from .pages import PageErrors

    return PageErrors(page)


@pytest.fixture
def widget(page: Page, page_errors: PageErrors, base_url: str) -> Widget:
    """The demo page, loaded, with its widget closed (console errors are collected from the start)."""
    from .pages import Widget

    widget = Widget(page)
    widget.load(base_url)
    return widget


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
