"""What people type stays private: no front end writes it to a log, a history file or an error report.

Every front end is driven with messages holding a marker word (MARKER) and an answered question
(ANSWERED): the engine, `mbcbot ask` and piped `mbcbot chat` (in-process and as real processes with a
throw-away HOME), the terminal chat, and the web API (in-process, and `mbcbot serve` under uvicorn, whose
/metrics holds no words either).
In-process runs repeat at every log level (DEBUG, INFO, WARNING) with every logger captured; the served
run logs at DEBUG, which holds everything INFO and WARNING would. Refused requests (422, 413, 429), bad
state tokens and internal errors are covered too.

The operator's opt-ins are tested to work, so the tests above prove something: `--history-file` keeps
the terminal chat's questions (mode 0600), and `log_messages` (MBCBOT_LOG_MESSAGES) logs messages.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import pytest

pytest.importorskip("starlette")
import httpx2 as httpx
from starlette.testclient import TestClient

from mbcbot import console
from mbcbot.bot import Bot
from mbcbot.cli import INTERNAL, main
from mbcbot.model import Reply, Session
from mbcbot.web.app import create_app
from mbcbot.web.settings import WebSettings, settings_from_environment

MARKER = "zebracanary"
ANSWERED = "how does it spread to the liver"
SECRETS = (MARKER, ANSWERED)  # neither may appear where it is not wanted
MESSAGES = (
    f"{MARKER} liver",
    ANSWERED,
    "more",
    f"how many {MARKER} pills should I take",  # advice
    f"{MARKER} I cant breathe",  # emergency
    f"hello {MARKER}",
    f"{MARKER} " * 200,  # too long
)
LEVELS = [pytest.param(level, id=logging.getLevelName(level)) for level in (logging.DEBUG, logging.INFO, logging.WARNING)]
LOGGERS = ("", "mbcbot", "mbcbot.web", "uvicorn", "uvicorn.error", "uvicorn.access", "starlette", "httpx", "asyncio")
MBCBOT = str(Path(sys.executable).with_name("mbcbot"))
SECRET = "test-secret"
CHAT = "/api/v1/chat"


def leaked(text: str) -> list[str]:
    """The secrets found in `text`."""
    return [secret for secret in SECRETS if secret in text]


def capture_every_logger(caplog: pytest.LogCaptureFixture, level: int) -> None:
    """Capture every record at `level` and above, whichever logger writes it."""
    for name in LOGGERS:
        caplog.set_level(level, logger=name)


def engine_replies(bot: Bot, messages: tuple[str, ...], conversation: bool) -> list[Reply]:
    """The engine's replies, in one conversation or each in a fresh one."""
    replies, session = [], Session()
    for message in messages:
        reply, after = bot.reply(message, session if conversation else Session())
        replies.append(reply)
        session = after
    return replies


def files_under(*roots: Path) -> dict[Path, bytes]:
    """Every file under the roots, with its content."""
    return {path: path.read_bytes() for root in roots for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away HOME and XDG folders, and a throw-away working folder to run in."""
    home = tmp_path / "home"
    for name, folder in [("HOME", ""), ("XDG_CACHE_HOME", ".cache"), ("XDG_CONFIG_HOME", ".config")]:
        (home / folder).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(home / folder))
    for name, folder in [("XDG_DATA_HOME", ".local/share"), ("XDG_STATE_HOME", ".local/state")]:
        (home / folder).mkdir(parents=True)
        monkeypatch.setenv(name, str(home / folder))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


# The engine


@pytest.mark.parametrize("level", LEVELS)
def test_the_engine_keeps_no_words(bot: Bot, level: int, caplog: pytest.LogCaptureFixture) -> None:
    capture_every_logger(caplog, level)
    session = Session()
    for message in MESSAGES:
        reply, session = bot.reply(message, session)
        assert not leaked(reply.text), "a reply echoes what was typed"
        assert not leaked(repr(session)), "the session holds words"
    assert not leaked(caplog.text)
    cache = Path(os.environ["MBCBOT_CACHE_DIR"])
    assert all(MARKER.encode() not in content for content in files_under(cache).values())


# The command line, in-process at every log level


@pytest.mark.parametrize("level", LEVELS)
def test_ask_prints_the_reply_only(
    bot: Bot, level: int, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], private_home: Path
) -> None:
    capture_every_logger(caplog, level)
    assert main(["ask", "--json", MESSAGES[0]]) == 0
    out, err = capsys.readouterr()
    assert out == console.as_json(bot.reply(MESSAGES[0])[0]) + "\n"
    assert (err, leaked(out), leaked(caplog.text)) == ("", [], [])
    assert files_under(private_home) == {}


@pytest.mark.parametrize("level", LEVELS)
def test_piped_chat_prints_the_replies_only(
    bot: Bot,
    level: int,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    private_home: Path,
) -> None:
    capture_every_logger(caplog, level)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(MESSAGES).encode() + b"\n")))
    assert main(["chat", "--history-file", str(private_home / "history.txt")]) == 0
    out, err = capsys.readouterr()
    assert out == "".join(console.as_text(reply) + "\n\n" for reply in engine_replies(bot, MESSAGES, conversation=True))
    assert (err, leaked(out), leaked(caplog.text)) == ("", [], [])
    assert files_under(private_home) == {}, "line mode keeps no history, even when asked to"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("command", [["ask", MESSAGES[0]], ["chat", "--json"]], ids=["ask", "chat"])
def test_an_internal_error_is_reported_without_the_words(
    level: int,
    command: list[str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    private_home: Path,
) -> None:
    def failing(self: Bot, message: str, session: Session | None = None, explain: bool = False) -> tuple[Reply, Session]:
        raise KeyError(message)  # the worst kind of bug: its text quotes the message

    capture_every_logger(caplog, level)
    monkeypatch.setattr(Bot, "reply", failing)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MESSAGES[0].encode() + b"\n")))
    assert main(command) == INTERNAL
    out, err = capsys.readouterr()
    assert (out, err) == ("", "mbcbot: internal error (KeyError); please report it\n")
    assert not leaked(caplog.text)
    assert files_under(private_home) == {}


# The terminal chat (prompt-toolkit, in-process): history is kept only when asked for


def terminal_chat(monkeypatch: pytest.MonkeyPatch, *options: str) -> int:
    """`mbcbot chat` at a terminal, typing every message and then 'quit'."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def run() -> int:
        with create_pipe_input() as keyboard, create_app_session(input=keyboard, output=DummyOutput()):
            typed = [message for message in MESSAGES if len(message) < 100]  # keys are read one by one: keep it short
            keyboard.send_text("".join(f"{message}\r" for message in typed) + "quit\r")
            return main(["chat", "--no-color", *options])

    monkeypatch.setattr(sys, "stdin", Terminal())
    # A thread of its own: the browser tests' event loop may still run in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result(timeout=60)


@pytest.mark.parametrize("level", LEVELS)
def test_the_terminal_chat_keeps_no_history_by_default(
    level: int,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    private_home: Path,
) -> None:
    capture_every_logger(caplog, level)
    assert terminal_chat(monkeypatch) == 0
    out, err = capsys.readouterr()
    assert "Liver (slide 5 of 8):" in out  # the conversation took place
    assert (err, leaked(out), leaked(caplog.text)) == ("", [], [])
    assert files_under(private_home) == {}


def test_the_terminal_chat_keeps_history_when_asked_in_a_private_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, private_home: Path
) -> None:
    history = private_home / "home" / ".local" / "state" / "mbcbot" / "history"
    assert terminal_chat(monkeypatch, "--history-file", str(history)) == 0
    assert "Liver (slide 5 of 8):" in capsys.readouterr().out
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert MARKER in history.read_text() and ANSWERED in history.read_text()
    assert list(files_under(private_home)) == [history], "the history file is the only file written"


# The command line as real processes, with a throw-away HOME (the knowledge cache lands in it)


def test_real_processes_print_replies_only_and_write_only_the_cache(bot: Bot, private_home: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "MBCBOT_CACHE_DIR"}
    lines = "\n".join(MESSAGES).encode() + b"\n"
    runs = [
        (["ask", "--json", MESSAGES[0]], b"", console.as_json(bot.reply(MESSAGES[0])[0]) + "\n"),
        (["ask"], lines, "".join(console.as_text(r) + "\n\n" for r in engine_replies(bot, MESSAGES, conversation=False))),
        (
            ["chat", "--history-file", str(private_home / "history")],
            lines,
            "".join(console.as_text(r) + "\n\n" for r in engine_replies(bot, MESSAGES, conversation=True)),
        ),
        (
            ["chat", "--json"],
            lines,
            "".join(console.as_json(r) + "\n" for r in engine_replies(bot, MESSAGES, conversation=True)),
        ),
    ]
    for args, stdin, expected in runs:
        done = subprocess.run([MBCBOT, *args], input=stdin, capture_output=True, timeout=60, env=env)
        assert (done.returncode, done.stderr.decode()) == (0, ""), args
        assert done.stdout.decode("utf-8") == expected, args
    written = files_under(private_home)
    cache = private_home / "home" / ".cache" / "mbcbot"
    assert written and all(path.parent == cache for path in written), sorted(written)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in written)
    assert all(MARKER.encode() not in content for content in written.values()), "the cache holds what was typed"


# The web API, in-process at every log level


def client_for(bot: Bot, **changes: Any) -> TestClient:
    return TestClient(create_app(bot, WebSettings(secret=SECRET, rate_per_minute=0)._replace(**changes)))


@pytest.fixture(scope="module")
def client(bot: Bot) -> Iterator[TestClient]:
    with client_for(bot) as test_client:
        yield test_client


def chunks() -> Iterator[bytes]:
    yield b'{"message": "' + MARKER.encode()
    for _ in range(40):
        yield b" " + MARKER.encode() * 80
    yield b'"}'


def as_json(data: object) -> bytes:
    """A JSON body with every character outside ASCII escaped (so lone surrogates can travel)."""
    return json.dumps(data).encode("ascii")


# Each request carries the marker; the status it gets: answered, refused or started afresh.
REQUESTS: list[tuple[str, dict[str, Any], int]] = [
    ("answered", {"content": as_json({"message": MESSAGES[0]})}, 200),
    ("answered", {"content": as_json({"message": ANSWERED})}, 200),
    ("too-long", {"content": as_json({"message": MARKER * 100})}, 422),
    ("not-json", {"content": b"{broken " + MARKER.encode()}, 422),
    ("not-text", {"content": as_json({"message": [MARKER]})}, 422),
    ("bad-state", {"content": as_json({"message": MESSAGES[0], "state": f"{MARKER}.liver"})}, 200),
    ("non-ascii-state", {"content": as_json({"message": MESSAGES[0], "state": f"{MARKER}-é.x"})}, 200),
    ("long-state", {"content": as_json({"message": MESSAGES[0], "state": MARKER * 60})}, 422),
    ("lone-surrogate", {"content": as_json({"message": f"\ud800 {MARKER}"})}, 422),
    ("large-body", {"content": as_json({"message": MARKER * 2000})}, 413),
    ("chunked-large-body", {"content": chunks}, 413),
]


class Response(Protocol):
    """What the tests read of a response, from the test client or from a real one."""

    status_code: int

    @property
    def text(self) -> str: ...


class Poster(Protocol):
    """An HTTP client: the in-process test client or a real one."""

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> Response: ...


def send_every_request(client: Poster) -> list[Response]:
    """Every request of REQUESTS, in order."""
    responses: list[Response] = []
    for _, options, _ in REQUESTS:
        content = options["content"]
        body = content() if callable(content) else content
        responses.append(client.post(CHAT, content=body, headers={"Content-Type": "application/json"}))
    return responses


def assert_nothing_leaked(responses: list[Response]) -> None:
    assert [response.status_code for response in responses] == [status for _, _, status in REQUESTS]
    for (name, _, _), response in zip(REQUESTS, responses, strict=True):
        assert not leaked(response.text), f"{name}: the response quotes the message"
        assert "Traceback" not in response.text


@pytest.mark.parametrize("level", LEVELS)
def test_web_logs_and_errors_hold_no_words(client: TestClient, level: int, caplog: pytest.LogCaptureFixture) -> None:
    capture_every_logger(caplog, level)
    assert_nothing_leaked(send_every_request(client))
    assert not leaked(caplog.text)
    if level <= logging.INFO:
        for status in (200, 413, 422):
            assert f"POST /api/v1/chat {status}" in caplog.text
        assert "kind=answer slides=[5] rule=match" in caplog.text
    else:
        assert "POST /api/v1/chat" not in caplog.text


@pytest.mark.parametrize("level", LEVELS)
def test_a_rate_limited_request_is_logged_without_words(bot: Bot, level: int, caplog: pytest.LogCaptureFixture) -> None:
    capture_every_logger(caplog, level)
    with client_for(bot, rate_per_minute=1, rate_burst=1) as limited:
        codes = [limited.post(CHAT, json={"message": MESSAGES[0]}) for _ in range(2)]
    assert [response.status_code for response in codes] == [200, 429]
    assert codes[1].json()["error"]["code"] == "rate_limited"
    assert not leaked(codes[1].text) and not leaked(caplog.text)
    assert ("POST /api/v1/chat 429" in caplog.text) is (level <= logging.INFO)


@pytest.mark.parametrize("level", LEVELS)
def test_an_internal_error_is_a_500_and_logged_without_words(
    bot: Bot, client: TestClient, level: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(message: str, session: Session | None = None, explain: bool = False) -> tuple[Reply, Session]:
        raise KeyError(message)  # the worst kind of bug: its text quotes the message

    capture_every_logger(caplog, level)
    monkeypatch.setattr(bot, "reply", failing)
    response = client.post(CHAT, json={"message": MESSAGES[0]})  # the client re-raises anything the app lets escape
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert not leaked(response.text) and "Traceback" not in response.text and "KeyError" not in response.text
    assert not leaked(caplog.text)
    [failure] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert failure.name == "mbcbot.web" and failure.exc_info is None
    assert "KeyError" in failure.getMessage() and 'File "' in failure.getMessage()  # the type and frames, for the team


# The operator's opt-in


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO])
def test_log_messages_is_an_opt_in_that_works(bot: Bot, level: int, caplog: pytest.LogCaptureFixture) -> None:
    capture_every_logger(caplog, level)
    with client_for(bot, log_messages=True) as verbose:
        verbose.post(CHAT, json={"message": MESSAGES[0]})
    assert f"message={MESSAGES[0]}" in caplog.text


def test_the_opt_in_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings_from_environment(SECRET).log_messages is False
    monkeypatch.setenv("MBCBOT_LOG_MESSAGES", "1")
    assert settings_from_environment(SECRET).log_messages is True


# `mbcbot serve`: uvicorn's own logging, at DEBUG, with and without the opt-in


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("opt_in", [False, True], ids=["default", "log-messages"])
def test_served_logs_hold_no_words_unless_the_operator_opts_in(private_home: Path, opt_in: bool) -> None:
    port = free_port()
    env = {**os.environ, "MBCBOT_SECRET": SECRET, "MBCBOT_RATE_BURST": str(len(REQUESTS) + 2), "MBCBOT_METRICS": "1"}
    if opt_in:
        env["MBCBOT_LOG_MESSAGES"] = "1"
    server = subprocess.Popen(
        [MBCBOT, "serve", "--port", str(port), "--log-level", "debug"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.1)
            responses = send_every_request(http)
            limited = [http.post(CHAT, json={"message": MESSAGES[0]}).status_code for _ in range(10)]
            metrics = http.get("/metrics").text
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode("utf-8", "replace")
    assert_nothing_leaked(responses)
    assert 429 in limited
    assert "mbcbot_replies_total{" in metrics and not leaked(metrics)  # counts without words, whatever the log keeps
    for status in (200, 413, 422, 429):
        assert f"POST /api/v1/chat {status}" in output
    assert "Traceback" not in output
    if opt_in:
        assert f"message={MESSAGES[0]}" in output
    else:
        assert not leaked(output), output
