"""The widget in a real browser against hostile replies and on a host page with a strict Content Security Policy.

A reply is data from the network: whatever markup its text, quotes, slide titles, notice or suggestions
hold, the widget shows it as text and runs none of it. This is tested on a page with no Content Security
Policy at all (the worst host), so only the widget's own rendering stands between the markup and the
page, and the test proves at the end that the same markup, inserted as HTML, would have run there.

A support site embeds the widget with the one tag, from another origin, under a policy that allows
nothing but the lines docs/embedding.md tells hosts to add: the widget loads, styles itself, fetches
the topics, answers a question, and the browser reports no violation of the policy.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python: pip install -e '.[dev]'")
from playwright.sync_api import Page, Route, expect

from mbcbot.bot import Bot

from .pages import PageErrors, Widget
from .servers import HOST, free_port, health_url, serve, wait_until_healthy

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"
PAYLOAD = f"{IMG} {SCRIPT}"
LIVER = "what happens if it spreads to the liver"
ACCENT = "rgb(14, 96, 105)"  # widget.css's default accent: the stylesheet loaded and applies
SETTLE_MS = 300  # long enough for a failed image load to have fired its onerror
EMBEDDING = Path(__file__).resolve().parents[2] / "docs" / "embedding.md"
DOCS_SERVICE = "https://bot.example.org"  # the service's origin in the documentation's examples
CSP_SPY = """
window.__cspViolations = [];
window.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline'));
}, true);
"""
HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Support</title></head>
<body>
  <main><h1>Support</h1><p>A host page that allows only what the embedding guide asks for.</p></main>
  <script src="{api}/widget.js" data-api="{api}" async></script>
</body>
</html>
"""


def hostile_replies() -> list[dict[str, Any]]:
    """Three chat responses with markup in every field the widget shows: an answer, a fallback, an emergency."""
    source = {
        "pack": "metastatic-breast-cancer",
        "pack_title": PAYLOAD,
        "slide": 5,
        "title": PAYLOAD,
        "publisher": PAYLOAD,
        "reviewer": PAYLOAD,
        "review_date": "2022-01-19",
    }
    answer = {
        "kind": "answer",
        "slides": [5],
        "quotes": [IMG, SCRIPT],
        "text": PAYLOAD,
        "sources": [source],
        "notice": PAYLOAD,
        "suggestions": [IMG, SCRIPT],
        "rule": "match",
        "intro": [],
        "passages": [
            {"pack": PAYLOAD, "slide": 5, "title": PAYLOAD, "heading": PAYLOAD, "quotes": [IMG, SCRIPT], "source_line": PAYLOAD}
        ],
        "lines": [],
    }
    fallback = {
        **answer,
        "kind": IMG,
        "slides": [],
        "quotes": [],
        "sources": [],
        "suggestions": [SCRIPT],
        "passages": [],
        "lines": [PAYLOAD],
    }
    emergency = {**fallback, "kind": "emergency", "suggestions": []}
    return [{"reply": reply, "state": "hostile.state", "state_reset": False} for reply in (answer, fallback, emergency)]


def without_csp(route: Route) -> None:
    """The demo page exactly as served, minus its Content Security Policy."""
    response = route.fetch()
    headers = {name: value for name, value in response.headers.items() if name.lower() != "content-security-policy"}
    route.fulfill(response=response, headers=headers)


def assert_nothing_ran(page: Page, widget: Widget, scripts: int) -> None:
    page.wait_for_timeout(SETTLE_MS)
    assert widget.shadow_count("img") == 0 and widget.shadow_count("script") == 0
    assert page.locator("img").count() == 0 and page.locator("script").count() == scripts
    assert page.evaluate("() => typeof window.__pwned") == "undefined"


def test_a_hostile_reply_is_shown_as_text_and_runs_nothing(page: Page, page_errors: PageErrors, base_url: str) -> None:
    replies = iter(hostile_replies())

    def hostile(route: Route) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        route.fulfill(status=200, content_type="application/json; charset=utf-8", body=json.dumps(next(replies)))

    page.route(f"{base_url}/", without_csp)
    page.route(f"{base_url}/api/v1/chat", hostile)
    widget = Widget(page)
    widget.load(base_url)
    scripts = page.locator("script").count()
    widget.open()

    answer = widget.ask(LIVER)
    expect(answer.locator(".quote-title")).to_have_text(f"{PAYLOAD} (slide 5)")
    expect(answer.locator(".passage p")).to_have_text([IMG, SCRIPT])
    expect(answer.locator(".sources")).to_have_text(PAYLOAD)  # the service's source line, shown as it is
    expect(answer.locator(".notice")).to_have_text(PAYLOAD)
    expect(page.locator("mbcbot-widget .chip")).to_have_text([IMG, SCRIPT])
    fallback = widget.ask("more")
    expect(fallback).to_have_class("msg bot kind-fallback")  # a kind that is not a word is not trusted either
    expect(fallback.locator(".text")).to_have_text(PAYLOAD)
    expect(page.locator("mbcbot-widget .chip")).to_have_text([SCRIPT])
    emergency = widget.ask("I can't breathe")
    expect(emergency.locator(".emergency")).to_have_text(PAYLOAD)
    assert_nothing_ran(page, widget, scripts)

    page.reload()  # the conversation comes back from sessionStorage and is drawn again
    expect(widget.panel).to_be_visible()
    expect(widget.replies).to_have_count(3)
    expect(widget.replies.first.locator(".passage p")).to_have_text([IMG, SCRIPT])
    assert_nothing_ran(page, widget, scripts)
    assert page_errors.messages == []

    # The control: on this page the same markup, inserted as HTML, runs.
    page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", IMG)
    page.wait_for_function("() => window.__pwned === 1")


# A support site on another origin, under a strict policy


def documented_policy() -> list[str]:
    """The directives docs/embedding.md gives a host page: its one code block made only of `*-src ...;` lines."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", EMBEDDING.read_text(encoding="utf-8"), flags=re.DOTALL)
    for block in blocks:
        lines = [" ".join(line.split()) for line in block.splitlines() if line.strip()]
        if lines and all(re.fullmatch(r"[a-z-]+-src [^;]+;", line) for line in lines):
            return [line.rstrip(";") for line in lines]
    raise AssertionError(f"{EMBEDDING.name} has no block of Content Security Policy lines for host pages")


@dataclass(frozen=True)
class HostPage:
    url: str
    origin: str
    api: str
    policy: str


@pytest.fixture(scope="module")
def host_page(tmp_path_factory: pytest.TempPathFactory, server_secret: str) -> Iterator[HostPage]:
    """A page on its own origin that embeds the widget of an `mbcbot serve` allowing that origin (CORS)."""
    host_port = free_port()
    api_port = next(port for port in iter(free_port, None) if port != host_port)
    origin, api = f"http://{HOST}:{host_port}", f"http://{HOST}:{api_port}"
    documented = [line.replace(DOCS_SERVICE, api) for line in documented_policy()]
    policy = "; ".join(["default-src 'none'", *documented])
    log = tmp_path_factory.mktemp("embedded") / "serve.log"
    with serve(api_port, log, server_secret, cors_origins=origin) as process:
        wait_until_healthy(health_url(api_port), process, log)
        with page_server(host_port, HOST_PAGE.format(api=api).encode(), policy):
            yield HostPage(url=f"{origin}/", origin=origin, api=api, policy=policy)


class _Page(http.server.BaseHTTPRequestHandler):
    """Serves one HTML page at / under a Content Security Policy; 404 for anything else."""

    body = b""
    policy = ""

    def do_GET(self) -> None:
        found = self.path == "/"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", self.policy)
        self.send_header("Content-Length", str(len(self.body) if found else 0))
        self.end_headers()
        if found:
            self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def page_server(port: int, body: bytes, policy: str) -> Iterator[None]:
    """The page on 127.0.0.1:`port`, served from a thread until the block ends."""
    handler = type("HostPageHandler", (_Page,), {"body": body, "policy": policy})
    server = http.server.ThreadingHTTPServer((HOST, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_host_page_under_a_strict_policy_embeds_the_widget_with_one_tag(
    page: Page, page_errors: PageErrors, host_page: HostPage, bot: Bot
) -> None:
    page.add_init_script(CSP_SPY)  # runs before the page's own scripts, whatever its policy
    response = page.goto(host_page.url)
    assert response is not None and response.ok
    assert response.headers["content-security-policy"] == host_page.policy
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()  # widget.js came through script-src
    assert widget.launcher.evaluate("element => getComputedStyle(element).backgroundColor") == ACCENT  # style-src
    widget.open()
    expect(page.locator("mbcbot-widget .chip").first).to_be_visible()  # the topics came through connect-src
    with page.expect_response(lambda r: r.url == f"{host_page.api}/api/v1/chat" and r.request.method == "POST") as sent:
        reply = widget.ask(LIVER)
    assert sent.value.headers.get("access-control-allow-origin") == host_page.origin
    liver = next(s for s in bot.knowledge.slides if s.number == 5)
    expect(reply.locator(".passage")).to_contain_text(liver.sentences[0])
    expect(reply.locator(".sources")).to_contain_text("Medically reviewed by")
    assert page.evaluate("() => window.__cspViolations") == []
    assert page_errors.messages == []

    # The control: the policy is enforced on this page, and a violation would have been heard.
    page.evaluate("() => document.body.append(Object.assign(new Image(), {src: 'data:,blocked'}))")
    page.wait_for_function("() => window.__cspViolations.length > 0")
