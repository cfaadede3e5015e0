"""`mbcbot replay --url`'s client in-process, against a service whose answers each test scripts: what it retries and
how long it waits, what it refuses, how it reads a reply, and what it says about the version and knowledge served.

The same replay against real `mbcbot serve` processes (and nginx, HTTPS, a rate limit, a worker killed mid-run) is in
tests/browser/test_replay_live.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mbcbot import __version__, remote
from mbcbot.bot import Bot
from mbcbot.model import Reply
from mbcbot.remote import Response, Service, ServiceError
from mbcbot.replaying import served_lines
from mbcbot.review import knowledge_digest

URL = "http://bot.test"


class Scripted(Service):
    """A service whose responses come, in order, from a script (a Response, or an OSError to raise)."""

    def __init__(self, script: list[Response | OSError]) -> None:
        super().__init__(URL)
        self.script = iter(script)
        self.sent: list[tuple[str, str, object]] = []

    def _once(self, method: str, path: str, payload: object) -> Response:
        self.sent.append((method, path, payload))
        step = next(self.script)
        if isinstance(step, OSError):
            raise step
        return step


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The waits the client asked for, instead of sleeping them."""
    asked: list[float] = []
    monkeypatch.setattr(time, "sleep", asked.append)
    yield asked


def chat_body(bot: Bot, message: str, state: str = "token.1", reset: bool = False) -> dict[str, Any]:
    reply, _ = bot.reply(message)
    return {"reply": reply.as_dict(), "state": state, "state_reset": reset}


def test_a_reply_is_read_back_exactly_as_the_engine_made_it(bot: Bot, waits: list[float]) -> None:
    for message in ("what happens if it spreads to the liver", "I can't breathe", "what about hair loss", "hello"):
        service = Scripted([Response(200, chat_body(bot, message), "")])
        reply, state, lost = service.turn(message, None)
        assert reply == bot.reply(message)[0] and state == "token.1" and lost == ()
    assert waits == []


def test_the_state_travels_from_turn_to_turn(bot: Bot, waits: list[float]) -> None:
    service = Scripted([Response(200, chat_body(bot, "liver", "one.1"), ""), Response(200, chat_body(bot, "more", "two.2"), "")])
    answered = service.conversation()
    answered("liver")
    answered("more")
    assert [payload for _, _, payload in service.sent] == [
        {"message": "liver", "state": None},
        {"message": "more", "state": "one.1"},
    ]


def test_a_state_the_service_did_not_accept_fails_the_turn(bot: Bot, waits: list[float]) -> None:
    service = Scripted([Response(200, chat_body(bot, "more", reset=True), "")])
    _, _, lost = service.turn("more", "old.token")
    assert lost == ("state: the service did not accept the state and restarted the conversation",)


def test_network_errors_and_502_503_504_are_retried_with_growing_waits(bot: Bot, waits: list[float]) -> None:
    script: list[Response | OSError] = [
        ConnectionRefusedError(111, "Connection refused"),
        Response(502, None, ""),
        Response(503, None, ""),
        Response(504, None, ""),
        Response(200, chat_body(bot, "liver"), ""),
    ]
    service = Scripted(script)
    reply, _, _ = service.turn("liver", None)
    assert reply.slides == (5,)
    assert waits == list(remote.BACKOFF)
    assert service.retries.summary() == (
        "retried 4 requests: 1 after 502, 1 after 503, 1 after 504, 1 after a network error (waited 7.5 s)"
    )


def test_a_429_is_waited_out_as_retry_after_says(bot: Bot, waits: list[float]) -> None:
    script: list[Response | OSError] = [
        Response(429, {"error": {"code": "rate_limited", "message": "wait"}}, "3"),
        Response(429, None, ""),
        Response(429, None, "3600"),
        Response(200, chat_body(bot, "liver"), ""),
    ]
    service = Scripted(script)
    service.turn("liver", None)
    assert waits == [3.0, 1.0, remote.MAX_WAIT]  # as asked; 1 s when it says nothing; never an hour
    assert service.retries.summary().startswith("retried 3 requests: 3 after 429")


def test_a_service_that_stays_unreachable_is_one_clear_error(waits: list[float]) -> None:
    service = Scripted([ConnectionRefusedError(111, "Connection refused")] * (len(remote.BACKOFF) + 1))
    with pytest.raises(ServiceError, match=r"^cannot reach http://bot\.test: \[Errno 111\] Connection refused$"):
        service.turn("liver", None)
    assert len(waits) == len(remote.BACKOFF)


def test_a_service_that_keeps_answering_503_is_reported_with_its_status(waits: list[float]) -> None:
    service = Scripted([Response(503, None, "")] * (len(remote.BACKOFF) + 1))
    with pytest.raises(ServiceError, match="answered 503"):
        service.turn("liver", None)


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (Response(200, None, ""), "does not fit the contract: the reply is not an object"),
        (Response(200, {"reply": {"kind": "answer"}, "state": "s"}, ""), "the reply: 'text' is not str"),
        (Response(404, {"error": {"code": "not_found", "message": "There is nothing at this address."}}, ""), "404: There is"),
        (Response(500, None, ""), "answered 500: not a chat reply"),
    ],
)
def test_an_answer_that_is_not_a_chat_reply_is_an_error(response: Response, fragment: str, waits: list[float]) -> None:
    with pytest.raises(ServiceError, match=fragment):
        Scripted([response]).turn("liver", None)


def test_a_message_over_the_limit_reads_as_the_engines_reply(bot: Bot, waits: list[float]) -> None:
    long = "liver " * 400
    expected, _ = bot.reply(long)
    refused = Response(422, {"error": {"code": "message_too_long", "message": expected.text}}, "")
    reply, state, _ = Scripted([refused]).turn(long, "kept.1")
    assert reply == expected and state == "kept.1"


def test_the_version_and_knowledge_served_are_named_and_differences_warned(bot: Bot, waits: list[float]) -> None:
    digest = knowledge_digest(bot.knowledge)
    same = Scripted([Response(200, {"version": __version__, "knowledge": digest}, "")])
    assert served_lines(same, bot.knowledge) == [
        f"mbcbot: replaying against {URL}: mbcbot {__version__}, knowledge {digest[:12]}"
    ]
    other = Scripted([Response(200, {"version": "9.9.9", "knowledge": "f" * 64}, "")])
    lines = served_lines(other, bot.knowledge)
    assert lines[1] == f"mbcbot: warning: the service runs mbcbot 9.9.9, this replay {__version__}"
    assert lines[2].startswith("mbcbot: warning: the service serves other reviewed knowledge (ffffffffffff)")
    with pytest.raises(ServiceError, match="not the version of an mbcbot service"):
        Scripted([Response(200, {"status": "ok"}, "")]).version()


def test_a_ca_file_that_cannot_be_read_is_one_clear_error(tmp_path: Any) -> None:
    with pytest.raises(ServiceError, match="cannot use the CA file"):
        Service("https://bot.test", str(tmp_path / "missing.pem"))


def test_reply_from_dict_refuses_what_does_not_fit(bot: Bot) -> None:
    data = json.loads(json.dumps(bot.reply("liver")[0].as_dict()))
    assert Reply.from_dict(data) == bot.reply("liver")[0]
    for field, value, fragment in [
        ("slides", ["5"], "'slides' is not a list of int"),
        ("slides", [True], "'slides' is not a list of int"),
        ("sources", [{"pack": 1}], "a source: 'pack' is not str"),
        ("passages", [{**data["passages"][0], "quotes": "x"}], "a passage: 'quotes' is not a list of str"),
        ("kind", None, "the reply: 'kind' is not str"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            Reply.from_dict({**data, field: value})


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--url", "ftp://bot.test"], "not a service address"),
        (["--url", "http://bot.test", "--concurrency", "0"], "not a number of transcripts from 1 to 64"),
        (["--url", "http://bot.test", "--concurrency", "65"], "not a number of transcripts from 1 to 64"),
    ],
)
def test_replay_refuses_a_bad_address_or_concurrency(args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    from mbcbot.cli import main

    with pytest.raises(SystemExit) as exit_code:
        main(["replay", *args])
    assert exit_code.value.code == 2 and fragment in capsys.readouterr().err
