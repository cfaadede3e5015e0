"""GET /metrics in-process: off by default, Prometheus's text format when on, counts that follow the requests
exactly, labels from closed sets only, and never a word of a message, a URL or a header."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from mbcbot.bot import Bot
from mbcbot.model import COMMANDS, INTENTS, KINDS
from mbcbot.web.app import create_app
from mbcbot.web.settings import WebSettings, settings_from_environment
from mbcbot.web.widget import PATHS as WIDGET_PATHS

MARKER = "zebraquokka"  # typed, put in addresses and headers: it must never reach the metrics
HEADERS = {
    "User-Agent": f"{MARKER}-browser/1.0",
    "X-Forwarded-For": f"203.0.113.7, {MARKER}",  # with one proxy trusted, the client's address is the marker
    "X-Request-ID": f"{MARKER}-0001",  # a plain id: the service takes it, and echoes it
}
# Each kind of reply once, with the rule it gives; the marker is typed in each message whose reply it leaves as it is.
MESSAGES = {
    "answer": (f"{MARKER}, what happens if it spreads to the liver", "answer", "match"),
    "emergency": (f"{MARKER} here. I can not breathe", "emergency", "emergency:breathing"),
    "crisis": (f"{MARKER}. I want to end my life", "emergency", "emergency:self-harm"),
    "advice": (f"{MARKER}: should I stop my chemo", "advice", "advice:start-stop-skip"),
    "not covered": (f"{MARKER}: what about hair loss", "fallback", "not-covered"),
    "clarify": ("what are the symptoms", "clarify", "clarify"),
    "small talk": (f"hello {MARKER}", "greeting", "intent:greeting"),
}
ROUNDS = 3  # each message is sent this many times
SERVED = ("/api/v1/chat", "/api/v1/topics", "/healthz", "/api/v1/version", "/openapi.json", "/", "/metrics", *WIDGET_PATHS)
REQUESTS = "mbcbot_http_requests_total"  # the requests, by route and status
SERIES = (
    "mbcbot_http_requests_total",
    "mbcbot_http_request_duration_seconds",
    "mbcbot_replies_total",
    "mbcbot_emergencies_total",
    "mbcbot_advice_declined_total",
    "mbcbot_not_covered_total",
    "mbcbot_slides_answered_total",
    "mbcbot_state_resets_total",
    "mbcbot_rate_limited_total",
)
Counts = dict[tuple[str, frozenset[tuple[str, str]]], float]


def metrics_client(bot: Bot, **changes: Any) -> TestClient:
    settings = WebSettings(secret="test-secret", rate_per_minute=0, metrics=True, proxy_hops=1)._replace(**changes)
    return TestClient(create_app(bot, settings), headers=HEADERS)


@pytest.fixture
def client(bot: Bot) -> Iterator[TestClient]:
    with metrics_client(bot) as test_client:
        yield test_client


def scraped(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text


def counts(text: str) -> Counts:
    """Every sample of the text format, by name and labels (parsed by prometheus-client's own parser)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Counts, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def total(found: Counts, name: str, **labels: str) -> float:
    """The sum of a series over the label sets that hold `labels`."""
    wanted = set(labels.items())
    return sum(count for (sample, held), count in found.items() if sample == name and wanted <= held)


def chat(client: TestClient, message: str, state: str | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/chat", json={"message": message, "state": state})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_metrics_are_off_by_default(bot: Bot) -> None:
    assert WebSettings("secret").metrics is False
    assert settings_from_environment("secret", {}).metrics is False
    assert settings_from_environment("secret", {"MBCBOT_METRICS": "1"}).metrics is True
    with pytest.raises(ValueError) as refused:
        settings_from_environment("secret", {"MBCBOT_METRICS": "maybe"})
    assert str(refused.value) == "Config 'MBCBOT_METRICS' has value 'maybe'. Not a valid bool."
    with TestClient(create_app(bot, WebSettings("secret"))) as off:
        response = off.get("/metrics")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_the_metrics_are_prometheus_text_with_every_series_not_cached(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    for name in SERIES:
        assert f"# TYPE {name.removesuffix('_total')}" in response.text, name
    assert "# TYPE mbcbot_http_request_duration_seconds histogram" in response.text
    found = counts(response.text)
    assert value(found, "mbcbot_state_resets_total") == 0 and value(found, "mbcbot_rate_limited_total") == 0
    assert value(found, "mbcbot_not_covered_total", topic="hair-loss-and-wigs") == 0  # a subject never asked is listed
    assert ("mbcbot_not_covered_total", frozenset({("topic", "hair-loss-and-wigs")})) in found
    openmetrics = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.endswith("# EOF\n")


def test_the_counts_follow_the_requests_exactly(bot: Bot, client: TestClient) -> None:
    for _ in range(ROUNDS):
        for message, kind, rule in MESSAGES.values():
            reply = chat(client, message)["reply"]
            assert (reply["kind"], reply["rule"]) == (kind, rule), message
    state = chat(client, "liver")["state"]
    tampered = state[:-2] + ("AA" if not state.endswith("AA") else "BB")
    assert chat(client, "and the lungs", tampered)["state_reset"] is True
    client.get("/healthz")
    client.get(f"/{MARKER}")
    client.get("/api/v1/chat")  # a route that takes POST only
    before = counts(scraped(client))
    found = counts(scraped(client))
    chats = ROUNDS * len(MESSAGES) + 2
    for _, kind, rule in MESSAGES.values():
        expected = ROUNDS + 2 * (rule == "match")  # and the two turns of the state reset
        assert value(found, "mbcbot_replies_total", kind=kind, rule=rule) == expected, rule
    assert total(found, "mbcbot_replies_total") == chats
    assert value(found, "mbcbot_emergencies_total", rule="breathing", crisis="false") == ROUNDS
    assert value(found, "mbcbot_emergencies_total", rule="self-harm", crisis="true") == ROUNDS
    assert total(found, "mbcbot_emergencies_total") == 2 * ROUNDS
    assert value(found, "mbcbot_advice_declined_total", rule="start-stop-skip") == ROUNDS
    assert total(found, "mbcbot_advice_declined_total") == ROUNDS
    assert value(found, "mbcbot_not_covered_total", topic="hair-loss-and-wigs") == ROUNDS
    assert total(found, "mbcbot_not_covered_total") == ROUNDS
    answered = {slide.number: 0 for slide in bot.knowledge.slides} | {5: ROUNDS + 1, 6: 1}  # liver; then the lungs
    pack = bot.knowledge.packs[0].id
    assert {n: value(found, "mbcbot_slides_answered_total", pack=pack, slide=str(n)) for n in answered} == answered
    assert value(found, "mbcbot_state_resets_total") == 1
    assert value(found, REQUESTS, route="/api/v1/chat", status="200") == chats
    assert value(found, REQUESTS, route="/api/v1/chat", status="405") == 1
    assert value(found, REQUESTS, route="/healthz", status="200") == 1
    assert value(found, REQUESTS, route="other", status="404") == 1
    assert value(found, "mbcbot_http_request_duration_seconds_bucket", route="/api/v1/chat", status="200", le="+Inf") == chats
    fast = value(found, "mbcbot_http_request_duration_seconds_bucket", route="/api/v1/chat", status="200", le="1.0")
    assert 0 < fast <= chats
    assert 0 < value(found, "mbcbot_http_request_duration_seconds_sum", route="/api/v1/chat", status="200") < chats
    # a scrape is counted once answered, under its own route: the next one shows it
    assert value(before, REQUESTS, route="/metrics", status="200") == 0
    assert value(found, REQUESTS, route="/metrics", status="200") == 1
    assert value(found, "mbcbot_rate_limited_total") == 0


def test_rate_limited_requests_are_counted_and_an_emergency_is_still_answered_and_counted(bot: Bot) -> None:
    with metrics_client(bot, rate_per_minute=60, rate_burst=1) as limited:
        chat(limited, "liver")
        refused = [limited.post("/api/v1/chat", json={"message": "liver"}).status_code for _ in range(2)]
        assert refused == [429, 429]
        assert chat(limited, "my husband has stopped breathing")["reply"]["kind"] == "emergency"
        found = counts(scraped(limited))
    assert value(found, "mbcbot_rate_limited_total") == 2
    assert value(found, REQUESTS, route="/api/v1/chat", status="429") == 2
    assert value(found, REQUESTS, route="/api/v1/chat", status="200") == 2
    assert total(found, "mbcbot_replies_total", kind="emergency") == 1
    assert total(found, "mbcbot_replies_total") == 2


def every_route_with_the_marker(client: TestClient) -> None:
    """Requests carrying the marker in every place a request can: messages of every kind, states, query strings,
    unknown paths, bodies that are refused, and (from the client) the User-Agent, X-Forwarded-For and X-Request-ID."""
    for message, _, _ in MESSAGES.values():
        chat(client, message)
    chat(client, f"{MARKER} liver", f"{MARKER}.{MARKER}")  # a state that is not one: refused, and counted
    client.post("/api/v1/chat", json={"message": "x " * 1000 + MARKER})  # too long to read
    assert chat(client, f"{MARKER} " * 200 + "I can not breathe")["reply"]["kind"] == "emergency"  # too long, but read for safety
    for path in SERVED:
        client.get(f"{path}?q={MARKER}&{MARKER}=1")
    for path in (f"/{MARKER}", f"/api/v1/{MARKER}", f"/widget/{MARKER}/widget.js", f"/{MARKER}/metrics"):
        client.get(path)
        client.post(path, json={"message": MARKER})
    client.post("/api/v1/chat", content=f'{{"message": "{MARKER}"'.encode(), headers={"Content-Type": "application/json"})
    client.post("/api/v1/chat", content=MARKER.encode(), headers={"Content-Type": f"text/{MARKER}"})
    client.post("/api/v1/chat", json={"message": MARKER * 2000})  # past the body cap


@pytest.mark.parametrize("log_messages", [False, True], ids=["default", "messages-logged"])
def test_no_word_of_a_message_url_or_header_reaches_the_metrics(bot: Bot, log_messages: bool) -> None:
    with metrics_client(bot, log_messages=log_messages) as client:  # at any setting
        every_route_with_the_marker(client)
        for accept in ("*/*", "application/openmetrics-text; version=1.0.0"):
            text = client.get(f"/metrics?{MARKER}", headers={"Accept": accept}).text
            assert MARKER not in text.lower()
            assert "203.0.113.7" not in text and "testclient" not in text  # nor an address
            assert "mbcbot_replies_total{" in text  # the messages were counted, all the same


def closed_sets(bot: Bot) -> dict[str, set[str]]:
    """Every value each label may take: routes served, kinds and rules of replies, ids of the knowledge."""
    knowledge = bot.knowledge
    emergencies, advice = {r.id for r in knowledge.safety.emergency}, {r.id for r in knowledge.safety.advice}
    rules = {"match", "clarify", "clarify:say-more", "not-covered", "input:too-long", "input:empty", "input:not-understood"}
    rules |= {f"emergency:{r}" for r in emergencies} | {f"advice:{r}" for r in advice}
    rules |= {f"intent:{name}" for name in INTENTS} | {f"command:{name}" for name in COMMANDS}
    return {
        "route": {*SERVED, "other"},
        "status": {str(code) for code in range(100, 600)},
        "kind": set(KINDS),
        "rule": rules | emergencies | advice,
        "crisis": {"true", "false"},
        "topic": set(knowledge.lexicon.topics),
        "pack": {pack.id for pack in knowledge.packs},
        "slide": {str(slide.number) for slide in knowledge.slides},
        "le": {"+Inf"} | {str(float(bound)) for bound in (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)},
    }


def test_every_label_comes_from_a_closed_set(bot: Bot, client: TestClient) -> None:
    every_route_with_the_marker(client)
    allowed = closed_sets(bot)
    found = counts(scraped(client))
    assert found
    for name, labels in found:
        assert name.startswith("mbcbot_"), name
        for label, held in labels:
            assert held in allowed[label], f"{name}: {label}={held!r}"
    statuses = {held for _, labels in found for label, held in labels if label == "status"}
    assert statuses == {"200", "404", "405", "413", "422"}
