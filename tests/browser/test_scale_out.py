"""Scale-out for real: two `mbcbot serve --workers 2` processes (one secret) behind nginx round robin, on 127.0.0.1.

A conversation keeps its context while its turns alternate between the two servers, proved twice over:
nginx names the server of each response (X-Upstream, from $upstream_addr) and that server, and only that
one, logged the response's X-Request-ID (whichever of its workers answered: every worker logs every request). Killing one server mid-conversation loses nothing: nginx passes
the next turn to the other, which continues from the state token. The widget does the same in the browser.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python: pip install -e '.[dev]'")
from playwright.sync_api import Browser, Response, expect

from mbcbot.bot import Bot
from mbcbot.model import Reply, Session

from .pages import DESKTOP, PageErrors, Widget, new_context
from .servers import HOST, free_port, health_url, post_json, serve, started, wait_for_text, wait_until_healthy

NGINX = Path("/usr/sbin/nginx")
if not NGINX.is_file():
    pytest.skip(f"the scale-out tests need nginx at {NGINX}: apt-get install nginx", allow_module_level=True)

CONVERSATION = ("tell me about the liver", "what about the lungs", "what are the symptoms", "more", "next")
NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{
    worker_connections 64;
}}
http {{
    log_format upstreams '$request_method $uri $status upstream=$upstream_addr upstream_status=$upstream_status';
    access_log {tmp}/access.log upstreams;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream mbcbot {{
        server {host}:{one};
        server {host}:{two};
    }}
    server {{
        listen {host}:{port};
        client_max_body_size 16k;
        location / {{
            proxy_pass http://mbcbot;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
            proxy_next_upstream_timeout 10s;
            proxy_connect_timeout 2s;
            proxy_read_timeout 15s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Server:
    address: str
    log: Path
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """Kill it and its workers outright, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@dataclass
class Cluster:
    url: str
    servers: list[Server]

    def by_address(self, address: str) -> Server:
        return next(server for server in self.servers if server.address == address)


@pytest.fixture
def cluster(_no_deployment_settings: None, tmp_path: Path) -> Iterator[Cluster]:
    """Two servers with one secret, and nginx in front of them; all stopped at the end, whatever happens."""
    secret = secrets.token_urlsafe(32)
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    with contextlib.ExitStack() as stack:
        servers = []
        for name, port in zip(("one", "two"), ports, strict=True):
            log = tmp_path / f"serve-{name}.log"
            process = stack.enter_context(serve(port, log, secret, workers=2, trust_proxy="1"))  # as docs/embedding.md runs it
            servers.append(Server(f"{HOST}:{port}", log, process))
        for server, port in zip(servers, ports, strict=True):
            wait_until_healthy(health_url(port), server.process, server.log)
        proxy_port = free_port()
        while proxy_port in ports:
            proxy_port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp_path, host=HOST, one=ports[0], two=ports[1], port=proxy_port), encoding="utf-8")
        nginx_log = tmp_path / "nginx.out"
        args = [str(NGINX), "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
        nginx = stack.enter_context(started(args, nginx_log))
        wait_until_healthy(health_url(proxy_port), nginx, nginx_log)
        yield Cluster(f"http://{HOST}:{proxy_port}", servers)


def expected_replies(bot: Bot, messages: tuple[str, ...]) -> list[Reply]:
    """The conversation as one in-process bot answers it, turn after turn."""
    session: Session | None = None
    replies = []
    for message in messages:
        reply, session = bot.reply(message, session)
        replies.append(reply)
    return replies


@dataclass
class Turn:
    reply: dict[str, object]
    state: str
    server: Server  # the server that answered
    tried: list[str]  # the servers nginx tried, in order (from $upstream_addr)


def talk(cluster: Cluster, message: str, state: str | None) -> Turn:
    """One turn through nginx; the server that answered is checked against the servers' own logs."""
    body, headers = post_json(cluster.url + "/api/v1/chat", {"message": message, "state": state})
    assert body["state_reset"] is False, f"{message!r}: the state was not accepted"
    tried = headers["x-upstream"].split(", ")
    server = cluster.by_address(tried[-1])
    request_id = headers["x-request-id"]
    assert f"request {request_id} POST /api/v1/chat 200" in wait_for_text(server.log, request_id), (message, server.address)
    others = [other for other in cluster.servers if other is not server]
    assert all(request_id not in other.log.read_text(encoding="utf-8") for other in others), request_id
    reply = body["reply"]
    assert isinstance(reply, dict)
    return Turn(reply, str(body["state"]), server, tried)


def same(reply: dict[str, object], expected: Reply) -> bool:
    return (
        reply["slides"] == list(expected.slides) and reply["quotes"] == list(expected.quotes) and reply["kind"] == expected.kind
    )


def test_a_conversation_keeps_its_context_while_its_turns_alternate_between_servers(cluster: Cluster, bot: Bot) -> None:
    expected = expected_replies(bot, CONVERSATION)
    assert [list(r.slides) for r in expected] == [[5], [6], [6], [6], [7]]  # follow-ups that need the context
    state: str | None = None
    answered_by = []
    for message, wanted in zip(CONVERSATION, expected, strict=True):
        turn = talk(cluster, message, state)
        assert same(turn.reply, wanted), (message, turn.reply)
        assert len(turn.tried) == 1, turn.tried  # no retries while both are up
        state = turn.state
        answered_by.append(turn.server.address)
    assert all(a != b for a, b in itertools.pairwise(answered_by)), answered_by  # round robin
    assert set(answered_by) == {server.address for server in cluster.servers}


def test_killing_a_server_mid_conversation_loses_no_context(cluster: Cluster, bot: Bot) -> None:
    expected = expected_replies(bot, CONVERSATION)
    state: str | None = None
    answered_by = []
    for message, wanted in zip(CONVERSATION[:2], expected, strict=False):
        turn = talk(cluster, message, state)
        assert same(turn.reply, wanted), (message, turn.reply)
        state = turn.state
        answered_by.append(turn.server)
    victim, survivor = answered_by  # round robin would send the next turn to the first one again
    assert victim is not survivor
    victim.kill()
    after = [talk(cluster, CONVERSATION[2], state)]
    assert after[0].tried == [victim.address, survivor.address]  # nginx tried the dead one, then passed the turn on
    for message in CONVERSATION[3:]:
        after.append(talk(cluster, message, after[-1].state))
    for turn, message, wanted in zip(after, CONVERSATION[2:], expected[2:], strict=True):
        assert turn.server is survivor, (message, turn.server.address)
        assert same(turn.reply, wanted), (message, turn.reply)


def test_killing_a_server_under_load_loses_no_request(cluster: Cluster) -> None:
    """Clients chat without pause while one server is killed: nginx passes each turn it had sent to the dead one
    on to the other (a chat turn carries its whole state, so sending it again is safe), and every request gets its
    reply."""
    statuses: list[int] = []
    stop_at = time.monotonic() + 4.0

    def chat_until_stopped(client: int) -> None:
        state: str | None = None
        while time.monotonic() < stop_at:
            request = urllib.request.Request(
                cluster.url + "/api/v1/chat",
                data=json.dumps({"message": CONVERSATION[len(statuses) % len(CONVERSATION)], "state": state}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    state = json.load(response)["state"]
                    statuses.append(response.status)
            except urllib.error.HTTPError as failure:
                statuses.append(failure.code)

    with ThreadPoolExecutor(8) as clients:
        running = [clients.submit(chat_until_stopped, client) for client in range(8)]
        time.sleep(1.5)
        cluster.servers[0].kill()
        for client in running:
            client.result()
    assert len(statuses) > 50
    assert set(statuses) == {200}, sorted(set(statuses))


def test_the_widget_through_nginx_keeps_its_context_across_both_servers(cluster: Cluster, browser: Browser, bot: Bot) -> None:
    expected = expected_replies(bot, CONVERSATION)
    context = new_context(browser, *DESKTOP)
    try:
        page = context.new_page()
        errors = PageErrors(page)
        served: list[str] = []

        def chat_response(response: Response) -> None:
            if response.url.endswith("/api/v1/chat"):
                served.append(response.headers.get("x-upstream", "").split(", ")[-1])

        page.on("response", chat_response)
        widget = Widget(page)
        widget.load(cluster.url)
        widget.open()
        for message, wanted in zip(CONVERSATION, expected, strict=True):
            reply = widget.ask(message)
            if wanted.quotes:
                expect(reply.locator(".passage")).to_have_text(" ".join(wanted.quotes))
        expect(widget.replies.last.locator(".quote-title")).to_contain_text("(slide 7)")
        expect(widget.user_messages).to_have_count(len(CONVERSATION))
        assert len(served) == len(CONVERSATION)
        assert set(served) == {server.address for server in cluster.servers}, served
        assert errors.messages == []
    finally:
        context.close()
