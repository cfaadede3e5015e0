"""The web service against the attacks of a hostile client: a made-up X-Forwarded-For, forged log lines, a state
token for knowledge that has changed since it was issued."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from mbcbot.bot import Bot
from mbcbot.model import Session
from mbcbot.web.app import create_app
from mbcbot.web.settings import WebSettings
from mbcbot.web.state import StateCodec

SECRET = "test-secret"


def client_for(bot: Bot, **changes: Any) -> TestClient:
    return TestClient(create_app(bot, WebSettings(secret=SECRET, rate_per_minute=0)._replace(**changes)))


def statuses(client: TestClient, forwarded: list[str]) -> list[int]:
    """The status of a chat request sent with each X-Forwarded-For value."""
    return [
        client.post("/api/v1/chat", json={"message": "liver"}, headers={"X-Forwarded-For": value}).status_code
        for value in forwarded
    ]


def test_a_made_up_forwarded_for_does_not_escape_the_rate_limit_behind_one_proxy(bot: Bot) -> None:
    # the client writes whatever it likes on the left; the proxy appends the address it saw (203.0.113.7)
    made_up = [f"10.0.{n}.1, 203.0.113.7" for n in range(5)]
    with client_for(bot, rate_per_minute=60, rate_burst=3, proxy_hops=1) as limited:
        assert statuses(limited, made_up) == [200, 200, 200, 429, 429]


def test_each_address_the_proxy_saw_has_its_own_limit(bot: Bot) -> None:
    with client_for(bot, rate_per_minute=60, rate_burst=1, proxy_hops=1) as limited:
        assert statuses(limited, ["203.0.113.7", "198.51.100.9", "203.0.113.7"]) == [200, 200, 429]


def test_two_proxies_take_the_address_the_outer_one_saw(bot: Bot) -> None:
    # client -> CDN (appends the client's address) -> nginx (appends the CDN's address) -> mbcbot
    made_up = [f"10.0.{n}.1, 203.0.113.7, 192.0.2.50" for n in range(3)]
    with client_for(bot, rate_per_minute=60, rate_burst=2, proxy_hops=2) as limited:
        assert statuses(limited, made_up) == [200, 200, 429]


def test_without_trusted_proxies_forwarding_headers_are_ignored(bot: Bot) -> None:
    with client_for(bot, rate_per_minute=60, rate_burst=2) as limited:
        assert statuses(limited, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [200, 200, 429]


def test_fewer_forwarded_entries_than_proxies_count_as_the_connection(bot: Bot) -> None:
    with client_for(bot, rate_per_minute=60, rate_burst=2, proxy_hops=2) as limited:
        assert statuses(limited, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [200, 200, 429]


def test_one_second_to_wait_is_said_in_the_singular(bot: Bot) -> None:
    with client_for(bot, rate_per_minute=60, rate_burst=1) as limited:
        limited.post("/api/v1/chat", json={"message": "liver"})
        refused = limited.post("/api/v1/chat", json={"message": "liver"})
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["message"] == "Too many requests; please wait 1 second."


def test_a_path_cannot_forge_a_log_line_or_send_terminal_escapes(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mbcbot.web")
    with client_for(bot) as client:
        client.get("/healthz%0a2026-12-06 INFO mbcbot.web request fake GET /admin 200%1b[2J")
    lines = [record.getMessage() for record in caplog.records if record.name == "mbcbot.web"]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\x1b" not in lines[0]
    assert "/healthz\\n2026-12-06 INFO mbcbot.web request fake GET /admin 200\\x1b[2J 404" in lines[0]


def test_a_client_chosen_request_id_is_kept_only_when_plain(bot: Bot) -> None:
    with client_for(bot) as client:
        plain = client.get("/healthz", headers={"X-Request-ID": "abc-123_def"})
        forged = client.get("/healthz", headers={"X-Request-ID": "abc\x1b[2Jdef-ghi"})
    assert plain.headers["x-request-id"] == "abc-123_def"
    assert len(forged.headers["x-request-id"]) == 32 and forged.headers["x-request-id"].isalnum()


@pytest.mark.parametrize("message", ["next", "back", "slide 2", "more", "liver"])
@pytest.mark.parametrize(
    "session",
    [
        Session(pack="a-pack-renamed-since", slide=3, turns=2),
        Session(pack="metastatic-breast-cancer", slide=40, turns=2),
        Session(pack="metastatic-breast-cancer", slide=3, turns=2, alert="a-rule-removed-since"),
        Session(pack="metastatic-breast-cancer", slide=3, turns=2, context=("a-concept-removed-since",)),
    ],
)
def test_a_token_that_no_longer_fits_the_knowledge_is_a_reset(bot: Bot, session: Session, message: str) -> None:
    token = StateCodec(SECRET, 3600).token(session, time.time())
    with client_for(bot) as client:
        response = client.post("/api/v1/chat", json={"message": message, "state": token})
    assert response.status_code == 200
    assert response.json()["state_reset"] is True


def test_a_token_that_fits_the_knowledge_carries_on(bot: Bot) -> None:
    session = Session(pack="metastatic-breast-cancer", slide=5, turns=1, context=("anticancer",))
    token = StateCodec(SECRET, 3600).token(session, time.time())
    with client_for(bot) as client:
        response = client.post("/api/v1/chat", json={"message": "next", "state": token})
    assert (response.status_code, response.json()["state_reset"], response.json()["reply"]["slides"]) == (200, False, [6])
