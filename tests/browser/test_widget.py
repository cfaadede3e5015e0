"""The widget in a real browser (Debian's Chromium through Playwright) against a real `mbcbot serve`.

What a person does: open the demo page, open the chat, ask, read the quoted passage with its source;
get the emergency reply; see markup they type shown as text; reload and go on; use only the keyboard;
use a 375px phone; all under the service's strict Content Security Policy, with no serious or critical
accessibility violation, and screenshots of the open widget for a person to look at.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python: pip install -e '.[dev]'")
from playwright.sync_api import Browser, Dialog, Page, expect

from mbcbot.bot import Bot
from mbcbot.model import Slide

from .pages import MAX_TABS, PHONE, PageErrors, Widget, new_context

LIVER = "what happens if it spreads to the liver"
EMERGENCY = "I can't breathe"
MARKUP = "<img src=x onerror=alert(1)>"
REVIEWER = "Brunilda Nazario"
ACCENT = "rgb(14, 96, 105)"  # widget.css's default accent: the stylesheet loaded and applies
CSP_SPY = """
window.__cspViolations = [];
window.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sourceFile + ':' + event.lineNumber + ')');
}, true);
"""


def slide(bot: Bot, number: int) -> Slide:
    return next(s for s in bot.knowledge.slides if s.number == number)


def test_a_question_gets_the_quoted_passage_its_sources_and_the_notice(widget: Widget, bot: Bot, page_errors: PageErrors) -> None:
    liver = slide(bot, 5)
    expected, _ = bot.reply(LIVER)
    widget.open()
    reply = widget.ask(LIVER)
    expect(widget.user_messages.last).to_have_text(f"You: {LIVER}")
    expect(reply.locator(".quote-title")).to_have_text(f"{liver.title} (slide 5)")
    expect(reply.locator(".passage")).to_contain_text(liver.sentences[0])
    expect(reply.locator(".passage")).to_have_text(" ".join(expected.quotes))
    sources = reply.locator(".sources")
    expect(sources).to_contain_text(REVIEWER)
    expect(sources).to_contain_text("Medically reviewed by")
    expect(sources).to_contain_text(expected.sources[0].pack_title)
    expect(reply.locator(".notice")).to_have_text(expected.notice)
    assert expected.notice, "the liver answer carries the 'not medical advice' notice"
    expect(widget.page.locator("mbcbot-widget .chip").first).to_be_visible()  # the follow-up suggestions
    assert page_errors.messages == []


def test_an_emergency_message_gets_the_emergency_reply_as_an_alert(widget: Widget) -> None:
    widget.open()
    reply = widget.ask(EMERGENCY)
    alert = widget.page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("911")
    expect(reply).to_have_class("msg bot kind-emergency")
    expect(reply.locator(".passage")).to_have_count(0)  # no slide quoted instead of the urgent advice


def test_markup_typed_in_is_shown_as_text_and_runs_nothing(widget: Widget, page: Page) -> None:
    dialogs: list[str] = []

    def dismissed(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismissed)
    widget.open()
    widget.ask(MARKUP)
    for when in ("sent", "restored after a reload"):
        expect(widget.user_messages.first).to_have_text(f"You: {MARKUP}")
        assert widget.shadow_count("img") == 0, when
        assert page.locator("img").count() == 0, when
        assert dialogs == [], when
        if when == "sent":
            page.reload()
            expect(widget.panel).to_be_visible()
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 300))")  # a failed image load would have fired by now
    assert dialogs == []


def test_a_reload_keeps_the_conversation_and_its_context(widget: Widget, page: Page, bot: Bot) -> None:
    liver = slide(bot, 5)
    widget.open()
    widget.ask(LIVER)
    page.reload()
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_visible()  # it was open, so it opens again
    expect(widget.user_messages).to_have_text([f"You: {LIVER}"])
    expect(widget.replies.first.locator(".passage")).to_contain_text(liver.sentences[0])
    reply = widget.ask("more")
    expect(reply.locator(".quote-title")).to_have_text(f"{liver.title} (slide 5)")
    expect(reply.locator(".passage")).to_contain_text(liver.sentences[-1])  # the whole slide: context kept
    expect(widget.user_messages).to_have_text([f"You: {LIVER}", "You: more"])


def test_the_whole_flow_by_keyboard_alone(widget: Widget, page: Page, bot: Bot) -> None:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if widget.launcher.evaluate("element => element.getRootNode().activeElement === element"):
            break
    expect(widget.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    expect(widget.input).to_be_focused()
    before = widget.answers.count()
    page.keyboard.type(LIVER)
    page.keyboard.press("Enter")
    reply = widget.wait_for_reply(before)
    expect(reply.locator(".passage")).to_contain_text(slide(bot, 5).sentences[0])
    expect(widget.input).to_be_focused()  # focus stays where the person types
    expect(widget.input).to_have_value("")
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    expect(widget.launcher).to_be_focused()


def test_a_375px_phone_gets_a_panel_that_fits(browser: Browser, base_url: str, bot: Bot, screenshots: Path) -> None:
    width, height = PHONE
    context = new_context(browser, width, height, mobile=True)
    try:
        page = context.new_page()
        errors = PageErrors(page)
        widget = Widget(page)
        widget.load(base_url)
        widget.launcher.tap()
        expect(widget.panel).to_be_visible()
        reply = widget.ask(LIVER)
        expect(reply.locator(".passage")).to_contain_text(slide(bot, 5).sentences[0])
        box = widget.panel.bounding_box()
        assert box is not None
        assert box["width"] <= width and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
        assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, box
        expect(widget.input).to_be_visible()
        expect(widget.input).to_be_in_viewport(ratio=1)
        expect(widget.close).to_be_in_viewport(ratio=1)
        assert widget.input.evaluate("element => getComputedStyle(element).fontSize") == "16px"  # iOS does not zoom in
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # no sideways scrolling
        page.screenshot(path=screenshots / "widget-375px.png")
        assert errors.messages == []
    finally:
        context.close()


def test_the_open_widget_on_a_desktop(widget: Widget, page: Page, bot: Bot, screenshots: Path) -> None:
    widget.open()
    reply = widget.ask(LIVER)
    expect(reply.locator(".passage")).to_contain_text(slide(bot, 5).sentences[0])
    box = widget.panel.bounding_box()
    assert box is not None and box["width"] <= 380 + 0.5, box
    expect(widget.input).to_be_in_viewport(ratio=1)
    page.screenshot(path=screenshots / "widget-desktop.png")


def test_it_works_under_the_services_strict_content_security_policy(page: Page, page_errors: PageErrors, base_url: str) -> None:
    page.add_init_script(CSP_SPY)  # runs before the page's own scripts, whatever its CSP
    response = page.goto(base_url + "/")
    assert response is not None and response.ok
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy, policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    assert widget.launcher.evaluate("element => getComputedStyle(element).backgroundColor") == ACCENT
    widget.open()
    expect(page.locator("mbcbot-widget .chip").first).to_be_visible()  # the topics came through connect-src 'self'
    widget.ask(LIVER)
    widget.ask(EMERGENCY)
    widget.close.click()
    expect(widget.panel).to_be_hidden()
    assert page.evaluate("() => window.__cspViolations") == []
    assert page_errors.messages == []


def test_no_serious_or_critical_accessibility_violations(widget: Widget, page: Page) -> None:
    widget.open()
    expect(page.locator("mbcbot-widget .chip").first).to_be_visible()
    problems = serious_violations(page)
    widget.ask(LIVER)
    widget.ask(EMERGENCY)
    problems += serious_violations(page)
    assert problems == [], "\n".join(problems)


def serious_violations(page: Page) -> list[str]:
    """axe-core (shipped in axe-playwright-python) over the whole page, open shadow roots included."""
    axe = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    page.evaluate(axe)
    results: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps([n['target'] for n in v['nodes']])}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
