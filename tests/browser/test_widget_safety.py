"""The widget when things go wrong, in real Chromium: the service down, refusing or resetting; a shared device.

What a patient does: types "I can't breathe" while the service is unreachable, blocked by CORS or failing, and
still sees what to do in an emergency, with a number a phone can call; comes back after the conversation expired
and is told it restarted; hands the device on after "New conversation"; hears what is shown, no more; is offered a
next step when the slides do not cover the question or when personal advice is declined. A site pins the widget
with the tag `mbcbot embed` prints, and a tampered file never runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python: pip install -e '.[dev]'")
from playwright.sync_api import Locator, Page, Route, expect

from mbcbot.bot import Bot
from mbcbot.web.widget import embed_tag, widget_files

from .pages import TITLE, PageErrors, Widget
from .servers import HOST, free_port
from .test_widget import serious_violations

LIVER = "what happens if it spreads to the liver"
EMERGENCY = "I can't breathe"
HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Support</title></head>
<body><main><h1>Support</h1><p>A page of a support website.</p></main>
{tag}
</body>
</html>
"""
ACCENT = "rgb(14, 96, 105)"  # widget.css's default accent: the stylesheet loaded and applies


def lines(bot: Bot) -> Callable[[str], str]:
    """The widget's line `name` as knowledge has it."""
    return lambda name: bot.knowledge.conversation.lines[f"widget_{name}"]


def host(page: Page, base_url: str, tag: str) -> Widget:
    """A page of the service's origin (so no CORS settings are needed) that embeds the widget with `tag`."""
    url = base_url + "/support-page"
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=HOST_PAGE.format(tag=tag)))
    page.goto(url)
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    return widget


def tag(base_url: str, api: str | None = None, **attributes: str) -> str:
    extra = "".join(f' data-{name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return f'<script src="{base_url}/widget.js" data-api="{api or base_url}"{extra} async></script>'


def failure(widget: Widget, message: str = EMERGENCY) -> Locator:
    """Ask `message`, expecting the request to fail: the failure's bubble."""
    before = widget.answers.count()
    widget.input.fill(message)
    widget.input.press("Enter")
    expect(widget.answers).to_have_count(before + 1)
    bubble = widget.answers.last
    expect(bubble).to_have_class("msg error")
    return bubble


def assert_emergency_line(bubble: Locator, line: str, number: str, digits: str, where: str = ".urgent") -> None:
    expect(bubble.locator(where)).to_have_text(line.replace("{emergency_number}", number))
    call = bubble.locator(f"{where} a")
    expect(call).to_have_count(1)
    expect(call).to_have_text(number)
    expect(call).to_have_attribute("href", f"tel:{digits}")


def test_an_unreachable_service_still_shows_the_emergency_number(page: Page, base_url: str, bot: Bot) -> None:
    line = lines(bot)
    nothing = f"http://{HOST}:{free_port()}"  # no service listens here
    widget = host(page, base_url, tag(base_url, api=nothing, emergency_number="999"))
    widget.open()
    bubble = failure(widget)
    expect(bubble.locator("p").first).to_have_text(line("unavailable"))
    assert_emergency_line(bubble, line("emergency"), "999", "999")
    expect(bubble).to_have_attribute("role", "alert")  # read out at once
    expect(widget.input).to_have_value(EMERGENCY)  # the words come back, to send again
    assert serious_violations(page) == []


def test_without_a_number_on_the_tag_the_services_own_is_shown(page: Page, base_url: str, bot: Bot) -> None:
    page.route("**/api/**", lambda route: route.abort())  # the API was never reached, not even for the topics
    widget = host(page, base_url, tag(base_url))
    widget.open()
    assert_emergency_line(failure(widget), lines(bot)("emergency"), "911", "911")


def test_a_service_that_does_not_allow_the_sites_origin_still_shows_the_emergency_number(
    page: Page, base_url: str, bot: Bot
) -> None:
    other_origin = base_url.replace(HOST, "localhost")  # the same service, seen from another origin: CORS refuses
    widget = host(page, base_url, tag(base_url, api=other_origin))
    widget.open()
    bubble = failure(widget)
    expect(bubble.locator("p").first).to_have_text(lines(bot)("unavailable"))
    assert_emergency_line(bubble, lines(bot)("emergency"), "911", "911")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, {"error": {"code": "internal", "message": "x"}}, "unavailable"),
        (502, None, "unavailable"),
        (503, None, "unavailable"),
        (429, {"error": {"code": "rate_limited", "message": "x"}}, "slow_down"),
        (413, {"error": {"code": "body_too_large", "message": "x"}}, "too_long"),
        (422, {"error": {"code": "message_too_long", "message": "x"}}, "too_long"),
        (400, {"error": {"code": "bad_request", "message": "x"}}, "not_sent"),
    ],
)
def test_every_failure_shows_the_emergency_line(
    page: Page, base_url: str, bot: Bot, status: int, body: dict[str, object] | None, expected: str
) -> None:
    def refused(route: Route) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body) if body else "oops")

    page.route("**/api/v1/chat", refused)
    widget = host(page, base_url, tag(base_url, emergency_number="+1 (555) 010-9999"))
    widget.open()
    bubble = failure(widget)
    expect(bubble.locator("p").first).to_have_text(lines(bot)(expected))
    assert_emergency_line(bubble, lines(bot)("emergency"), "+1 (555) 010-9999", "15550109999")


def test_a_number_on_the_tag_that_is_not_a_number_is_ignored(page: Page, base_url: str, bot: Bot) -> None:
    page.route("**/api/v1/chat", lambda route: route.abort())
    widget = host(page, base_url, tag(base_url, emergency_number="javascript:alert(1)"))
    widget.open()
    assert_emergency_line(failure(widget), lines(bot)("emergency"), "911", "911")


def test_the_emergency_reply_names_the_number_once_as_a_link_a_phone_can_call(widget: Widget) -> None:
    widget.open()
    reply = widget.ask(EMERGENCY)
    alert = reply.get_by_role("alert")
    expect(alert).to_contain_text("911")
    assert reply.inner_text().count("911") == 1
    call = reply.locator("a")
    expect(call).to_have_count(1)
    expect(call).to_have_text("911")
    expect(call).to_have_attribute("href", "tel:911")


def test_a_conversation_the_service_no_longer_knows_is_told_restarted(widget: Widget, page: Page, bot: Bot) -> None:
    widget.open()
    widget.ask(LIVER)
    page.evaluate(  # as after the two-hour expiry or a new secret: the service can no longer read the state
        """() => { for (const key of Object.keys(sessionStorage)) {
                 const saved = JSON.parse(sessionStorage.getItem(key)); saved.state = 'expired.token';
                 sessionStorage.setItem(key, JSON.stringify(saved)); } }"""
    )
    page.reload()
    expect(widget.panel).to_be_visible()
    reply = widget.ask("more")
    note = page.locator("mbcbot-widget .msg.note")
    expect(note).to_have_text(lines(bot)("restarted"))
    expected, _ = bot.reply("more")  # what a new conversation answers: no slide in hand
    expect(reply.locator(".text")).to_have_text(list(expected.lines))
    expect(reply.locator(".passage")).to_have_count(0)


def test_new_conversation_clears_what_is_shown_and_what_is_stored(widget: Widget, page: Page, bot: Bot) -> None:
    widget.open()
    widget.ask(LIVER)
    assert stored_keys(page) != []
    page.get_by_role("button", name=lines(bot)("new_conversation")).click()
    expect(widget.user_messages).to_have_count(0)
    expect(widget.replies).to_have_count(0)
    expect(page.locator("mbcbot-widget .intro")).to_have_text(lines(bot)("intro"))
    expect(page.locator("mbcbot-widget .chip")).to_have_text([slide.title for slide in bot.knowledge.slides])
    expect(widget.input).to_be_focused()
    assert stored_keys(page) == []
    page.reload()
    expect(widget.launcher).to_be_visible()
    widget.open()
    expect(widget.user_messages).to_have_count(0)
    reply = widget.ask("more")  # nothing carried over: no slide in hand
    expected, _ = bot.reply("more")
    expect(reply.locator(".text")).to_have_text(list(expected.lines))


def stored_keys(page: Page) -> list[str]:
    return list(page.evaluate("() => Object.keys(sessionStorage).filter(key => key.startsWith('mbcbot'))"))


def announced(page: Page) -> str:
    """What the polite live region says next (it is filled a moment after a reply, and emptied later)."""
    region = page.locator("mbcbot-widget [aria-live]")
    expect(region).not_to_have_text("")
    return " ".join(region.inner_text().split())


def shown(bubble: Locator, bot: Bot) -> str:
    """A reply's text as it is shown, without the screen readers' "mbcbot:" that starts every reply."""
    return " ".join(bubble.inner_text().split()).removeprefix(lines(bot)("bot")).strip()


def test_a_screen_reader_hears_what_is_shown_and_no_more(widget: Widget, page: Page, bot: Bot) -> None:
    widget.open()
    reply = widget.ask(LIVER)
    said = announced(page)
    assert said == shown(reply, bot)
    expected, _ = bot.reply(LIVER)
    assert expected.quotes[0] in said and expected.passages[0].source_short in said
    for unshown in ("slide 5 of 8", 'Say "more"', expected.notice, expected.passages[0].source_line):
        assert unshown not in said


def test_not_covered_offers_topics_to_tap_not_a_paragraph(widget: Widget, page: Page, bot: Bot) -> None:
    expected, _ = bot.reply("what about hair loss")
    widget.open()
    reply = widget.ask("what about hair loss")
    expect(reply.locator(".text")).to_have_text([line for line in expected.lines if line not in expected.hints])
    expect(page.locator("mbcbot-widget .chip")).to_have_text(list(expected.suggestions))
    assert "care team" in reply.inner_text()
    assert announced(page) == shown(reply, bot)


def test_declined_advice_offers_the_care_team_and_a_related_topic(widget: Widget, page: Page, bot: Bot) -> None:
    message = "is my liver pain from the cancer spreading"
    expected, _ = bot.reply(message)
    assert expected.kind == "advice" and expected.suggestions == ("Liver",)
    widget.open()
    reply = widget.ask(message)
    expect(reply.locator(".text")).to_have_text([expected.lines[0]])
    expect(page.locator("mbcbot-widget .chip")).to_have_text(["Liver"])
    summary = reply.locator("summary")
    expect(summary).to_have_text(lines(bot)("notice_summary"))
    notice = reply.locator(".notice")
    expect(notice).to_be_hidden()  # quiet: one tap away
    summary.click()
    expect(notice).to_be_visible()
    expect(notice).to_have_text(expected.notice)


def test_the_answers_disclaimer_is_short_with_the_whole_notice_one_tap_away(widget: Widget, bot: Bot) -> None:
    expected, _ = bot.reply(LIVER)
    widget.open()
    reply = widget.ask(LIVER)
    expect(reply.locator(".sources")).to_have_text(expected.passages[0].source_short)
    expect(reply.locator(".sources")).to_contain_text("Brunilda Nazario, MD")
    notice = reply.locator(".notice")
    expect(notice).to_be_hidden()
    reply.locator("summary").click()
    expect(notice).to_have_text(expected.notice)
    expect(notice).to_be_visible()


def test_the_tag_embed_prints_pins_the_widget_and_its_stylesheet(
    page: Page, page_errors: PageErrors, base_url: str, bot: Bot
) -> None:
    pinned = embed_tag(widget_files(bot), base_url)
    widget = host(page, base_url, pinned)
    assert widget.launcher.evaluate("element => getComputedStyle(element).backgroundColor") == ACCENT
    widget.open()
    reply = widget.ask(LIVER)
    expect(reply.locator(".passage")).to_have_text(" ".join(bot.reply(LIVER)[0].quotes))
    assert page_errors.messages == []


def test_a_widget_that_does_not_match_its_pinned_hash_never_runs(page: Page, base_url: str, bot: Bot) -> None:
    tampered = re.sub(r'integrity="sha384-[^"]+"', 'integrity="sha384-' + "A" * 64 + '"', embed_tag(widget_files(bot), base_url))
    url = base_url + "/support-page"
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=HOST_PAGE.format(tag=tampered)))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)
    assert page.locator("mbcbot-widget").count() == 0
    assert page.get_by_role("button", name=TITLE).count() == 0


def test_screenshot_of_the_emergency_line_with_the_service_down(page: Page, base_url: str, screenshots: Path) -> None:
    page.route("**/api/v1/chat", lambda route: route.abort())
    widget = host(page, base_url, tag(base_url, emergency_number="999"))
    widget.open()
    expect(failure(widget).locator(".urgent a")).to_have_text("999")
    page.screenshot(path=screenshots / "widget-service-down-desktop.png")


def test_a_translated_emergency_line_is_used_when_it_names_the_number(page: Page, base_url: str) -> None:
    page.route("**/api/v1/chat", lambda route: route.abort())
    german = "Im Notfall wählen Sie {emergency_number} oder rufen Sie Ihren Arzt an."
    widget = host(page, base_url, tag(base_url, emergency=german, emergency_number="112"))
    widget.open()
    assert_emergency_line(failure(widget), german, "112", "112")


def test_a_translated_emergency_line_without_the_number_is_ignored(page: Page, base_url: str, bot: Bot) -> None:
    page.route("**/api/v1/chat", lambda route: route.abort())
    widget = host(page, base_url, tag(base_url, emergency="Rufen Sie Ihren Arzt an.", emergency_number="112"))
    widget.open()
    assert_emergency_line(failure(widget), lines(bot)("emergency"), "112", "112")  # never a line without the number


def test_the_open_panel_always_shows_what_to_do_in_an_emergency(page: Page, base_url: str, bot: Bot) -> None:
    widget = host(page, base_url, tag(base_url, emergency_number="999"))
    widget.open()
    banner = page.locator("mbcbot-widget .banner")
    assert_emergency_line(page.locator("mbcbot-widget .panel"), lines(bot)("emergency"), "999", "999", ".banner")
    expect(banner).to_be_in_viewport(ratio=1)
    widget.ask(LIVER)
    expect(banner).to_be_in_viewport(ratio=1)  # still in sight under the header once the conversation scrolls
