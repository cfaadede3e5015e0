"""The widget on a phone and in a host site's own words, in a real browser against a real `mbcbot serve`.

What a person does: on a 375px phone, open the chat, which covers the page, and Tab round it without ever
landing on the page behind; close it and find focus back on the chat button; reload or come back to a page
and find the chat closed but the conversation kept; read every topic in full; see a labelled chat button on
a wide screen and the icon alone on a phone. A site embeds the widget with its own title, placeholder and
button words, and the answers are still the reviewed English passages. No serious or critical accessibility
violation, and screenshots of each state at both sizes for a person to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from typing import TypedDict

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python: pip install -e '.[dev]'")
from playwright.sync_api import Browser, Page, Route, expect

from mbcbot.bot import Bot

from .pages import DESKTOP, TITLE, PageErrors, Widget, new_context
from .test_widget import serious_violations

PHONE = (375, 740)  # a phone held upright: the panel covers the whole window
LIVER = "what happens if it spreads to the liver"
EMERGENCY = "I can't breathe"
PRESSES = 25  # Tab presses: more than one full round of everything the open panel holds
EDGE = 0.5  # px of rounding allowed at a box's edge
GERMAN = {
    "title": "Fragen zu Brustkrebs",
    "placeholder": "Ihre Frage",
    "send": "Senden",
    "close": "Schließen",
    "new-conversation": "Neues Gespräch",
    "label": "Fragen?",
}
HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="data:,">
  <title>Riverside Cancer Support Network</title>
</head>
<body>
  <main>
    <h1>Riverside Cancer Support Network</h1>
    <p>See our <a href="#groups">support groups</a> or <a href="#helpline">call the helpline</a>.</p>
  </main>
  <script src="{api}/widget.js" data-api="{api}" {attributes} async></script>
</body>
</html>
"""
# Where focus is: inside the widget (which of its elements), or outside it (on what).
FOCUS = """() => {
  const host = document.querySelector('mbcbot-widget');
  const active = document.activeElement;
  if (active !== host) return 'outside: ' + (active ? active.tagName.toLowerCase() : 'nothing');
  const inner = host.shadowRoot.activeElement;
  return inner ? inner.tagName.toLowerCase() + '.' + inner.getAttribute('class') : 'the widget itself';
}"""


class Box(TypedDict):
    x: float
    y: float
    width: float
    height: float


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page in a 375x740 phone context of its own."""
    context = new_context(browser, *PHONE, mobile=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def host_page(page: Page, base_url: str, **attributes: str) -> None:
    """Open a site's page (two links, the widget's tag with these data- attributes); wait until the widget shows."""
    tag = " ".join(f'data-{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items())
    html = HOST_PAGE.format(api=base_url, attributes=tag)

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route(base_url + "/host-page", fulfil)
    page.goto(base_url + "/host-page")
    expect(page.locator("mbcbot-widget .launcher")).to_be_visible()


def focus_trail(page: Page, key: str) -> list[str]:
    """Press `key` PRESSES times; where focus was after each press."""
    trail = []
    for _ in range(PRESSES):
        page.keyboard.press(key)
        trail.append(str(page.evaluate(FOCUS)))
    return trail


def outside(trail: list[str]) -> list[str]:
    """The places in `trail` that were not in the widget."""
    return [place for place in trail if place.startswith("outside")]


def inside(box: Box | None, area: Box | None) -> bool:
    """Whether `box` lies wholly within `area`."""
    assert box is not None and area is not None
    return (
        box["x"] >= area["x"] - EDGE
        and box["y"] >= area["y"] - EDGE
        and box["x"] + box["width"] <= area["x"] + area["width"] + EDGE
        and box["y"] + box["height"] <= area["y"] + area["height"] + EDGE
    )


def test_on_a_phone_the_open_panel_is_modal_and_keeps_focus_inside(phone: Page, base_url: str) -> None:
    errors = PageErrors(phone)
    host_page(phone, base_url)
    widget = Widget(phone)
    widget.open()
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    for key in ("Tab", "Shift+Tab"):
        trail = focus_trail(phone, key)
        assert outside(trail) == [], f"{key}: {trail}"
        assert {"input.input", "button.send", "button.close", "div.log"} <= set(trail), f"{key} goes round: {trail}"
    widget.ask(LIVER)
    widget.ask(EMERGENCY)  # the log now holds a summary and a link to call
    for key in ("Tab", "Shift+Tab"):
        trail = focus_trail(phone, key)
        assert outside(trail) == [], f"{key} after replies: {trail}"
        assert {"summary.say", "a.call", "input.input", "button.close"} <= set(trail), f"{key} after replies: {trail}"
    phone.evaluate("() => document.querySelector('a').focus()")  # a click or a screen reader's move to the page
    expect(widget.input).to_be_focused()
    assert phone.evaluate(FOCUS) == "input.input"
    widget.close.click()
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    widget.open()
    phone.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    assert errors.messages == []


def test_on_a_desktop_the_panel_is_not_modal_and_reopens_after_a_reload(widget: Widget, page: Page) -> None:
    widget.open()
    expect(widget.panel).to_have_attribute("aria-modal", "false")
    widget.ask(LIVER)  # only a conversation is kept, and with it whether the panel was open
    page.reload()
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_visible()
    expect(widget.panel).to_have_attribute("aria-modal", "false")


def test_on_a_phone_the_panel_starts_closed_but_the_conversation_is_kept(phone: Page, base_url: str, bot: Bot) -> None:
    expected, _ = bot.reply(LIVER)
    widget = Widget(phone)
    widget.load(base_url)
    widget.open()
    widget.ask(LIVER)
    comings_back: list[Callable[[], object]] = [phone.reload, lambda: phone.goto(base_url + "/")]  # a reload, a new load
    for come_back in comings_back:
        come_back()
        expect(widget.launcher).to_be_visible()
        expect(widget.launcher).to_have_attribute("aria-expanded", "false")
        expect(widget.panel).to_be_hidden()
        widget.open()
        expect(widget.user_messages).to_have_text([f"You: {LIVER}"])
        expect(widget.replies.first.locator(".passage")).to_have_text(" ".join(expected.quotes))


def test_data_open_opens_the_panel_on_a_desktop_but_never_on_a_phone(page: Page, phone: Page, base_url: str) -> None:
    host_page(page, base_url, open="true")
    expect(Widget(page).panel).to_be_visible()
    host_page(phone, base_url, open="true")
    widget = Widget(phone)
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_hidden()
    phone.reload()
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_hidden()


def test_on_a_phone_every_topic_chip_is_in_full_view(phone: Page, base_url: str, bot: Bot) -> None:
    widget = Widget(phone)
    widget.load(base_url)
    widget.open()
    group = phone.get_by_role("group", name="Suggestions", exact=True)
    chips = group.locator(".chip")
    expect(chips).to_have_text([s.title for s in bot.knowledge.slides])
    window = Box(x=0, y=0, width=PHONE[0], height=PHONE[1])
    area = group.bounding_box()
    for chip in chips.all():
        box = chip.bounding_box()
        assert inside(box, window), f"{chip.text_content()!r} at {box} runs off the {PHONE} window"
        assert inside(box, area), f"{chip.text_content()!r} at {box} is cut off by its group at {area}"


def test_the_launcher_shows_the_title_on_a_wide_screen_and_the_icon_alone_on_a_phone(
    page: Page, phone: Page, base_url: str
) -> None:
    wide = Widget(page)
    wide.load(base_url)
    label = page.locator("mbcbot-widget .launcher-label")
    expect(label).to_be_visible()
    expect(label).to_have_text(TITLE)
    assert inside(label.bounding_box(), wide.launcher.bounding_box())
    narrow = Widget(phone)
    narrow.load(base_url)
    expect(narrow.launcher).to_be_visible()  # still named by the title
    expect(phone.locator("mbcbot-widget .launcher-label")).to_be_hidden()


def test_data_label_false_leaves_the_icon_alone(page: Page, base_url: str) -> None:
    host_page(page, base_url, label="false")
    expect(Widget(page).launcher).to_be_visible()
    expect(page.locator("mbcbot-widget .launcher-label")).to_be_hidden()


def test_data_label_names_and_labels_the_launcher(page: Page, base_url: str) -> None:
    host_page(page, base_url, label="Questions?")
    expect(page.get_by_role("button", name="Questions?", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=TITLE, exact=True)).to_have_count(0)
    expect(page.locator("mbcbot-widget .launcher-label")).to_have_text("Questions?")
    expect(page.locator("mbcbot-widget .launcher-label")).to_be_visible()


def test_a_site_gives_the_widget_its_own_words_and_the_answers_stay_reviewed(page: Page, base_url: str, bot: Bot) -> None:
    errors = PageErrors(page)
    expected, _ = bot.reply(LIVER)
    host_page(page, base_url, **GERMAN)
    launcher = page.get_by_role("button", name=GERMAN["label"], exact=True)
    expect(page.locator("mbcbot-widget .launcher-label")).to_have_text(GERMAN["label"])
    launcher.click()
    expect(page.get_by_role("dialog", name=GERMAN["title"], exact=True)).to_be_visible()
    expect(page.get_by_role("dialog", name=TITLE, exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name=GERMAN["title"], exact=True)).to_be_visible()
    expect(page.get_by_placeholder(GERMAN["placeholder"], exact=True)).to_be_focused()
    expect(page.get_by_role("button", name=GERMAN["send"], exact=True)).to_have_text(GERMAN["send"])
    expect(page.get_by_role("button", name=GERMAN["close"], exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=GERMAN["new-conversation"], exact=True)).to_have_text(GERMAN["new-conversation"])
    reply = Widget(page).ask(LIVER)
    expect(reply.locator(".passage")).to_have_text(" ".join(expected.quotes))
    assert errors.messages == []


def test_no_serious_or_critical_accessibility_violations_on_a_phone(phone: Page, base_url: str) -> None:
    widget = Widget(phone)
    widget.load(base_url)
    widget.open()
    expect(phone.locator("mbcbot-widget .chip").first).to_be_visible()
    problems = [f"open and empty: {p}" for p in serious_violations(phone)]
    widget.ask(LIVER)
    problems += [f"after an answer: {p}" for p in serious_violations(phone)]
    widget.close.click()
    expect(widget.launcher).to_be_visible()
    problems += [f"closed: {p}" for p in serious_violations(phone)]
    assert problems == [], "\n".join(problems)


def test_no_serious_or_critical_accessibility_violations_with_the_launcher_label(widget: Widget, page: Page) -> None:
    expect(page.locator("mbcbot-widget .launcher-label")).to_be_visible()
    problems = serious_violations(page)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots_of_each_state(browser: Browser, base_url: str, bot: Bot, screenshots: Path, size: str) -> None:
    width, height = DESKTOP if size == "desktop" else PHONE
    context = new_context(browser, width, height, mobile=size == "phone")
    try:
        page = context.new_page()
        widget = Widget(page)

        def shot(state: str) -> None:
            page.screenshot(path=screenshots / f"widget-{state}-{size}.png")

        widget.load(base_url)
        expect(widget.panel).to_be_hidden()
        shot("closed")
        widget.open()
        expect(page.locator("mbcbot-widget .chip").first).to_be_visible()
        shot("open")
        reply = widget.ask(LIVER)
        expect(reply.locator(".passage")).to_have_text(" ".join(bot.reply(LIVER)[0].quotes))
        shot("answer")
        widget.ask(EMERGENCY)
        expect(page.get_by_role("alert")).to_contain_text(bot.dialogue.voice.emergency_number)
        shot("emergency")
    finally:
        context.close()
