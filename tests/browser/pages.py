"""The widget as a person sees it in a real browser: a small page object over Playwright locators.

Playwright's CSS and role locators pierce the widget's open shadow root, and its expectations wait
(up to the timeout set in conftest), so nothing here sleeps.
"""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, expect

EXPECT_TIMEOUT_MS = 15_000  # generous: a slow machine still passes, a broken widget still fails in bounded time
expect.set_options(timeout=EXPECT_TIMEOUT_MS)
TITLE = "Ask about metastatic breast cancer"
DESKTOP = (1280, 800)
PHONE = (375, 667)
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 20_000
MAX_TABS = 20  # Tab presses to reach the launcher from the top of the page


def new_context(browser: Browser, width: int, height: int, mobile: bool = False) -> BrowserContext:
    """A fresh context (its own sessionStorage) of that window size, with bounded timeouts."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile, device_scale_factor=2 if mobile else 1
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context


class PageErrors:
    """Console errors and uncaught exceptions seen on a page."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        # The demo page names no icon, so Chromium asks for /favicon.ico and logs its 404: not the widget's doing.
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type == "error":
            self.messages.append(f"console.error: {message.text} at {message.location}")


class Widget:
    """The chat widget on `page`."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.get_by_role("button", name=TITLE, exact=True)
        self.panel = page.get_by_role("dialog", name=TITLE, exact=True)
        self.input = page.get_by_role("textbox", name="Your question")
        self.close = page.get_by_role("button", name="Close chat")
        self.log = page.get_by_role("region", name="Conversation")
        self.replies = page.locator("mbcbot-widget .msg.bot")
        self.answers = page.locator("mbcbot-widget .msg.bot, mbcbot-widget .msg.error")
        self.user_messages = page.locator("mbcbot-widget .msg.user")
        self.status = page.locator("mbcbot-widget .status")

    def load(self, base_url: str) -> None:
        """Open the demo page and wait until the launcher shows (the widget's stylesheet has loaded)."""
        self.page.goto(base_url + "/")
        expect(self.launcher).to_be_visible()

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()

    def ask(self, message: str) -> Locator:
        """Type `message`, press Enter, and return the reply's bubble once it has arrived."""
        before = self.answers.count()
        self.input.fill(message)
        self.input.press("Enter")
        return self.wait_for_reply(before)

    def wait_for_reply(self, before: int) -> Locator:
        expect(self.answers).to_have_count(before + 1)
        expect(self.status).to_have_text("")
        return self.answers.last

    def shadow_count(self, selector: str) -> int:
        """How many elements match `selector` inside the widget's shadow root."""
        return int(
            self.page.evaluate(
                "selector => document.querySelector('mbcbot-widget').shadowRoot.querySelectorAll(selector).length", selector
            )
        )
