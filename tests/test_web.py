"""The HTTP API in-process: the contract, limits, CORS, headers, state tokens, and logs without words."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from mbcbot import __version__
from mbcbot.bot import Bot
from mbcbot.cli import main
from mbcbot.model import Reply, Session
from mbcbot.web.app import create_app
from mbcbot.web.settings import WebSettings, settings_from_environment
from mbcbot.web.state import StateCodec

SECRET = "test-secret"
ORIGIN = "https://support.example.org"


def client_for(bot: Bot, **changes: Any) -> TestClient:
    settings = WebSettings(secret=SECRET, cors_origins=(ORIGIN,), rate_per_minute=0)._replace(**changes)
    return TestClient(create_app(bot, settings))


@pytest.fixture(scope="module")
def client(bot: Bot) -> Iterator[TestClient]:
    with client_for(bot) as test_client:
        yield test_client


def chat(client: TestClient, message: str, state: str | None = None) -> dict[str, object]:
    response = client.post("/api/v1/chat", json={"message": message, "state": state})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_chat_returns_the_reply_contract_and_a_state(client: TestClient) -> None:
    body = chat(client, "what happens if it spreads to the liver")
    reply = body["reply"]
    assert isinstance(reply, dict)
    assert set(reply) >= {"kind", "slides", "quotes", "text", "sources", "notice", "suggestions", "rule"}
    assert (reply["kind"], reply["slides"]) == ("answer", [5])
    assert reply["sources"][0]["reviewer"] == "Brunilda Nazario, MD"
    assert body["state_reset"] is False
    assert isinstance(body["state"], str) and body["state"].count(".") == 1


def test_the_state_carries_the_conversation(client: TestClient) -> None:
    first = chat(client, "liver")
    second = chat(client, "more", str(first["state"]))
    third = chat(client, "next", str(second["state"]))
    assert [first["reply"]["slides"], second["reply"]["slides"], third["reply"]["slides"]] == [[5], [5], [6]]  # type: ignore[index]


def test_the_state_holds_only_ids_never_words(client: TestClient) -> None:
    body = chat(client, "tell me about the liver")
    payload = str(body["state"]).split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert "tell" not in decoded and "liver" not in decoded
    assert json.loads(decoded)[1:4] == ["metastatic-breast-cancer", 5, 1]


def test_the_state_remembers_safety_concepts_by_name_only(client: TestClient) -> None:
    first = chat(client, "my wife is on chemo")
    payload = str(first["state"]).split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert "chemo" not in decoded and "wife" not in decoded
    assert json.loads(decoded)[7] == ["anticancer"]
    second = chat(client, "she's got the shivers", str(first["state"]))
    assert second["reply"]["kind"] == "emergency"  # type: ignore[index]


@pytest.mark.parametrize("state", ["garbage", "a.b", "x" * 600, ""])
def test_a_bad_state_starts_afresh_never_a_500(client: TestClient, state: str) -> None:
    response = client.post("/api/v1/chat", json={"message": "more", "state": state})
    if len(state) > 512:
        assert response.status_code == 422
        return
    assert response.status_code == 200
    assert response.json()["state_reset"] is bool(state)
    assert response.json()["reply"]["kind"] == "help"


def test_tampered_expired_and_foreign_tokens_are_refused(bot: Bot) -> None:
    codec = StateCodec(SECRET, 60)
    good = codec.token(Session("metastatic-breast-cancer", 5, 1), 1000.0)
    assert codec.session(good, 1010.0) == Session("metastatic-breast-cancer", 5, 1)
    assert codec.session(good, 2000.0) is None  # expired
    assert StateCodec("another-secret", 60).session(good, 1010.0) is None  # foreign
    _, signature = good.split(".")
    forged = base64.urlsafe_b64encode(b'["1","metastatic-breast-cancer",7,1,1000]').rstrip(b"=").decode()
    assert codec.session(f"{forged}.{signature}", 1010.0) is None  # tampered


def test_any_worker_with_the_secret_continues_a_conversation(bot: Bot) -> None:
    with client_for(bot) as one, client_for(bot) as two:
        state = chat(one, "bones")["state"]
        assert chat(two, "more", str(state))["reply"]["slides"] == [4]  # type: ignore[index]
        state = chat(two, "more", str(state))["state"]
        assert chat(one, "keep going", str(state))["reply"]["slides"] == [5]  # type: ignore[index]  # shown whole: next


def test_a_token_carries_whether_the_slide_was_shown_whole(bot: Bot) -> None:
    codec = StateCodec(SECRET, 60)
    shown = Session("metastatic-breast-cancer", 5, 2, whole=True)
    assert codec.session(codec.token(shown, 1000.0), 1010.0) == shown


def test_a_long_message_is_a_422_with_a_clear_error(client: TestClient) -> None:
    response = client.post("/api/v1/chat", json={"message": "x" * 1001})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "message_too_long"
    assert "1000 characters" in response.json()["error"]["message"]
    assert "xxxx" not in response.text


def test_a_long_message_is_refused_in_the_words_the_bot_says_everywhere(bot: Bot, client: TestClient) -> None:
    terminal, _ = bot.reply("x" * 1001)
    assert terminal.rule == "input:too-long"
    response = client.post("/api/v1/chat", json={"message": "x" * 1001})
    assert response.json() == {"error": {"code": "message_too_long", "message": terminal.text}}


def test_a_long_message_reporting_an_emergency_gets_the_emergency_reply(client: TestClient) -> None:
    story = "We have been to every appointment and I write it all down. " * 20 + "Now she is fitting on the floor."
    response = client.post("/api/v1/chat", json={"message": story})
    assert response.status_code == 200
    assert response.json()["reply"]["kind"] == "emergency"
    assert response.json()["reply"]["rule"] == "emergency:seizure-now"


@pytest.mark.parametrize("body", [b"{}", b'{"message": 5}', b"not json", b'["message"]'])
def test_malformed_requests_are_422(client: TestClient, body: bytes) -> None:
    response = client.post("/api/v1/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_a_large_body_is_a_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/chat", content=b'{"message": "' + b"a" * 20_000 + b'"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_chunked_large_body_is_a_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(40):
            yield b"a" * 1000
        yield b'"}'

    response = client.post("/api/v1/chat", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_the_rate_limit_answers_429(bot: Bot) -> None:
    with client_for(bot, rate_per_minute=60, rate_burst=3) as limited:
        codes = [limited.post("/api/v1/chat", json={"message": "liver"}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        response = limited.post("/api/v1/chat", json={"message": "liver"})
        assert response.json()["error"]["code"] == "rate_limited"
        assert int(response.headers["retry-after"]) >= 1


def test_a_rate_limited_client_reporting_an_emergency_gets_the_emergency_reply(bot: Bot) -> None:
    with client_for(bot, rate_per_minute=60, rate_burst=1) as limited:
        assert limited.post("/api/v1/chat", json={"message": "liver"}).status_code == 200
        assert limited.post("/api/v1/chat", json={"message": "liver"}).status_code == 429
        response = limited.post("/api/v1/chat", json={"message": "my husband has stopped breathing"})
        assert response.status_code == 200
        assert response.json()["reply"]["kind"] == "emergency"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert limited.post("/api/v1/chat", content=b"not json", headers={"Content-Type": "application/json"}).status_code == 429


def test_empty_and_odd_messages_get_polite_replies(client: TestClient) -> None:
    for message in ["", "   ", "\x00\x01", "<img src=x onerror=alert(1)>", "😀", "\u202eevil"]:
        assert chat(client, message)["reply"]["kind"] in ("fallback", "help")  # type: ignore[index]


def test_headers_on_every_response(client: TestClient) -> None:
    for response in (client.get("/healthz"), client.get("/"), client.post("/api/v1/chat", json={"message": "hi"})):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert len(response.headers["x-request-id"]) >= 8
    assert client.get("/healthz").headers["content-type"] == "application/json; charset=utf-8"
    assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/widget.js").headers["cross-origin-resource-policy"] == "cross-origin"
    assert client.get("/widget.css").headers["content-type"].startswith("text/css")


def test_frame_ancestors_can_be_configured(bot: Bot) -> None:
    with client_for(bot, frame_ancestors="https://support.example.org") as framed:
        assert "frame-ancestors https://support.example.org" in framed.get("/").headers["content-security-policy"]


def test_cors_only_for_configured_origins(client: TestClient) -> None:
    allowed = client.options("/api/v1/chat", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert allowed.headers.get("access-control-allow-origin") == ORIGIN
    other = client.post("/api/v1/chat", json={"message": "hi"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_topics_health_and_openapi(client: TestClient) -> None:
    topics = client.get("/api/v1/topics").json()["topics"]
    assert [t["title"] for t in topics][3:7] == ["Bones", "Liver", "Lungs", "Brain"]
    assert client.get("/healthz").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/api/v1/chat" in spec["paths"]
    assert client.get("/").headers["content-type"].startswith("text/html")
    assert b'src="/widget.js"' in client.get("/").content


def test_questions_travel_only_in_post_bodies(client: TestClient) -> None:
    assert client.get("/api/v1/chat", params={"message": "liver"}).status_code == 405


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING])
def test_logs_never_hold_the_message(bot: Bot, level: int, caplog: pytest.LogCaptureFixture) -> None:
    words = "zebra-unique-words about my liver"
    with caplog.at_level(level), client_for(bot) as quiet:
        quiet.post("/api/v1/chat", json={"message": words})
        quiet.post("/api/v1/chat", json={"message": words * 100})
        quiet.post("/api/v1/chat", content=b"{broken " + words.encode(), headers={"Content-Type": "application/json"})
    assert "zebra" not in caplog.text
    if level <= logging.INFO:
        assert "kind=fallback" in caplog.text and "POST /api/v1/chat 200" in caplog.text


def test_logging_messages_is_an_operator_opt_in(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO), client_for(bot, log_messages=True) as verbose:
        verbose.post("/api/v1/chat", json={"message": "zebra liver"})
    assert "zebra liver" in caplog.text


JSON_TYPE = {"Content-Type": "application/json"}
NOT_VALID = "The request is not valid: "
# Each body and Content-Type, and the status and error it gets (None: a reply).
ANSWERS = [
    (b'{"message": "liver"}', JSON_TYPE, 200, None),
    (b'{"message": "liver"}', {"Content-Type": "application/json; charset=utf-8"}, 200, None),
    (b'{"message": "liver"}', {"Content-Type": "application/merge-patch+json"}, 200, None),
    (b'{"message": "liver", "state": null, "extra": 1}', JSON_TYPE, 200, None),
    (b'{"message": "liver"}', {}, 422, "body: Content-Type must be application/json"),
    (b'{"message": "liver"}', {"Content-Type": "text/plain"}, 422, "body: Content-Type must be application/json"),
    (b'{"message": "liver"}', {"Content-Type": "multipart/form-data"}, 422, "body: Content-Type must be application/json"),
    (b"message=liver", {"Content-Type": "application/x-www-form-urlencoded"}, 422, "body: Content-Type must be application/json"),
    (b'{"message": "\\ud800 liver"}', JSON_TYPE, 422, "body: text with a lone surrogate"),
    (b'{"message": "liver", "state": "\\udfff.x"}', JSON_TYPE, 422, "body: text with a lone surrogate"),
    (b'{"message": 5, "state": "' + b"x" * 600 + b'"}', JSON_TYPE, 422, "body.message: a text is required"),
    (
        b'{"message": "liver", "state": 5}',
        JSON_TYPE,
        422,
        "body.state: the state of the last reply (text), or null to start a conversation",
    ),
    (
        b'{"message": "liver", "state": "' + b"x" * 600 + b'"}',
        JSON_TYPE,
        422,
        "body.state: longer than 512 characters (a state is far shorter)",
    ),
    (b'{"message": "liver"} trailing', JSON_TYPE, 422, "body: not JSON"),
    (b"", JSON_TYPE, 422, "body: not JSON"),
    (b"NaN", JSON_TYPE, 422, "body.message: a text is required"),
]


@pytest.mark.parametrize(("body", "headers", "status", "problem"), ANSWERS)
def test_each_body_gets_its_status_and_error(
    client: TestClient, body: bytes, headers: dict[str, str], status: int, problem: str | None
) -> None:
    response = client.post("/api/v1/chat", content=body, headers=headers)
    assert response.status_code == status
    if problem is None:
        assert response.json()["reply"]["slides"] == [5]
    else:
        assert response.json() == {"error": {"code": "invalid_request", "message": NOT_VALID + problem}}


def test_a_long_message_with_a_bad_state_is_too_long(client: TestClient) -> None:
    response = client.post("/api/v1/chat", content=b'{"message": "' + b"x" * 1001 + b'", "state": 5}', headers=JSON_TYPE)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "message_too_long")


def test_a_client_that_goes_away_gets_nothing_sent(bot: Bot) -> None:
    app = create_app(bot, WebSettings(secret=SECRET, rate_per_minute=0))
    scope = {"type": "http", "method": "POST", "path": "/api/v1/chat", "headers": [(b"content-type", b"application/json")]}
    sent: list[object] = []

    async def gone() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: object) -> None:
        sent.append(message)

    with ThreadPoolExecutor(1) as thread:  # a loop of its own: the browser tests may leave one running in this thread
        thread.submit(asyncio.run, app({**scope, "query_string": b"", "client": ("127.0.0.1", 1)}, gone, send)).result()
    assert sent == []


def test_requests_no_route_takes_get_the_one_error_format(client: TestClient) -> None:
    missing = client.get("/nope")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": {"code": "not_found", "message": "There is nothing at this address."}},
    )
    assert missing.headers["content-type"] == "application/json; charset=utf-8"
    assert missing.headers["x-content-type-options"] == "nosniff"
    wrong = client.put("/api/v1/chat", json={"message": "liver"})
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert wrong.json() == {"error": {"code": "method_not_allowed", "message": "This address does not take that method."}}


def test_head_answers_where_get_does(client: TestClient) -> None:
    response = client.head("/healthz")
    assert (response.status_code, response.content) == (200, b"")


def test_a_trailing_slash_is_not_redirected_to_the_host_the_client_named(client: TestClient) -> None:
    response = client.get("/healthz/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_a_deeply_nested_body_is_a_422_not_a_500(client: TestClient) -> None:
    response = client.post("/api/v1/chat", content=b"[" * 5000, headers=JSON_TYPE)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_the_openapi_description_documents_every_chat_answer(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    answers = spec["paths"]["/api/v1/chat"]["post"]["responses"]
    assert sorted(answers) == ["200", "413", "422", "429"]
    for status in ("413", "422", "429"):
        assert answers[status]["content"]["application/json; charset=utf-8"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "Retry-After" in answers["429"]["headers"]
    reply = spec["components"]["schemas"]["ReplyBody"]
    assert set(reply["properties"]) == set(Reply("answer", "").as_dict()) and reply["additionalProperties"] is False


def test_the_openapi_description_gives_this_bots_limit_and_version(bot: Bot, client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    message = spec["components"]["schemas"]["ChatRequest"]["properties"]["message"]
    assert message["maxLength"] == bot.knowledge.conversation.max_message_chars == 1000
    assert spec["info"]["version"] == __version__


def test_settings_come_from_the_environment() -> None:
    assert settings_from_environment(SECRET, {}) == WebSettings(secret=SECRET)
    environ = {
        "MBCBOT_SECRET": "shared",
        "MBCBOT_RATE_LIMIT": "0",
        "MBCBOT_CORS_ORIGINS": "https://a.example/, https://b.example",
        "MBCBOT_FRAME_ANCESTORS": "https://a.example",
        "MBCBOT_TRUST_PROXY": "2",
        "MBCBOT_LOG_MESSAGES": "0",
    }
    assert settings_from_environment(SECRET, environ) == WebSettings(
        secret="shared",
        rate_per_minute=0,
        cors_origins=("https://a.example", "https://b.example"),
        frame_ancestors="https://a.example",
        proxy_hops=2,
    )


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("MBCBOT_RATE_LIMIT", "sixty", "int"),
        ("MBCBOT_MAX_BODY_BYTES", "16k", "int"),
        ("MBCBOT_TRUST_PROXY", "maybe", "bool or number of proxies (0-9)"),
    ],
)
def test_a_bad_setting_names_the_variable_the_value_and_the_rule(name: str, value: str, rule: str) -> None:
    with pytest.raises(ValueError) as refused:
        settings_from_environment(SECRET, {name: value})
    assert str(refused.value) == f"Config '{name}' has value '{value}'. Not a valid {rule}."


def test_serve_refuses_a_bad_setting_in_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MBCBOT_SECRET", SECRET)
    monkeypatch.setenv("MBCBOT_RATE_LIMIT", "sixty")
    assert main(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err == "mbcbot: Config 'MBCBOT_RATE_LIMIT' has value 'sixty'. Not a valid int.\n"
