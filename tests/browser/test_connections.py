"""A real `mbcbot serve` against hostile connections: huge or endless headers, requests sent slowly, more open
connections than a worker keeps, bytes that are not HTTP, and a made-up X-Forwarded-For. Each is refused fast, in
the API's error format with the service's headers, and logged as one line; ordinary clients are still served."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from .servers import HOST, free_port, health_url, serve, wait_for_text, wait_until_healthy

TIMEOUT = 2  # MBCBOT_REQUEST_TIMEOUT for these servers, in seconds
CONNECTIONS = 6  # MBCBOT_MAX_CONNECTIONS


class Running(NamedTuple):
    port: int
    log: Path


@contextlib.contextmanager
def running(directory: Path, **settings: str) -> Iterator[Running]:
    port, log = free_port(), directory / "serve.log"
    limits = {"request_timeout": str(TIMEOUT), "max_connections": str(CONNECTIONS)}
    with serve(port, log, secrets.token_urlsafe(16), 1, **limits, **settings) as process:
        wait_until_healthy(health_url(port), process, log)
        yield Running(port, log)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running(tmp_path_factory.mktemp("connections")) as started:
        yield started


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Running]:
    with running(tmp_path, rate_limit="60", rate_burst="2") as started:
        yield started


def exchange(port: int, data: bytes, wait: float = 5.0) -> tuple[bytes, float]:
    """What the server sends back before it closes the connection (or `wait` runs out), and how long it took."""
    started = time.monotonic()
    with socket.create_connection((HOST, port)) as connection:
        connection.settimeout(wait)
        with contextlib.suppress(OSError):  # refused while we were still sending: read what was said
            connection.sendall(data)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except OSError:
            pass
    return received, time.monotonic() - started


def refused(response: bytes, status: str, code: str) -> None:
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}".encode()), head[:100]
    headers = head.decode("latin-1").lower()
    assert "x-content-type-options: nosniff" in headers and "content-security-policy: default-src 'self'" in headers
    assert "connection: close" in headers
    assert json.loads(body)["error"]["code"] == code


def healthy(port: int) -> bool:
    with urllib.request.urlopen(health_url(port), timeout=5) as response:
        return bool(response.status == 200)


def test_a_huge_header_is_refused_at_once_with_a_431(server: Running) -> None:
    response, seconds = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 4_000_000 + b"\r\n\r\n")
    refused(response, "431", "headers_too_large")
    assert seconds < TIMEOUT  # refused while it was still being sent, not when the time ran out
    assert healthy(server.port)


def test_too_many_headers_are_refused_with_a_431(server: Running) -> None:
    response, _ = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + b"X-A: b\r\n" * 150 + b"\r\n")
    refused(response, "431", "headers_too_large")


def test_what_is_not_http_gets_a_400_in_the_error_format_with_the_service_headers(server: Running) -> None:
    response, _ = exchange(server.port, b"NOT HTTP AT ALL\r\n\r\n")
    refused(response, "400", "bad_request")


def test_a_request_sent_too_slowly_is_closed_with_a_408(server: Running) -> None:
    response, seconds = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\n", wait=TIMEOUT + 5)
    refused(response, "408", "request_timeout")
    assert seconds < TIMEOUT + 3
    assert "refused a request: not sent in 2 s" in wait_for_text(server.log, "not sent in")


def test_connections_over_the_cap_are_refused_one_line_each_and_service_resumes(server: Running) -> None:
    idle = [socket.create_connection((HOST, server.port)) for _ in range(CONNECTIONS)]
    try:
        time.sleep(0.3)
        response, _ = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        refused(response, "503", "busy")
    finally:
        for connection in idle:
            connection.close()
    time.sleep(0.3)
    assert healthy(server.port)
    log = wait_for_text(server.log, "refused a connection")
    assert f"refused a connection: {CONNECTIONS} open, the most a worker keeps" in log
    assert "Traceback" not in log


def test_a_made_up_forwarded_for_is_ignored_when_no_proxy_is_trusted(limited: Running) -> None:
    def status(forwarded: str) -> int:
        request = urllib.request.Request(
            f"http://{HOST}:{limited.port}/api/v1/chat",
            data=b'{"message": "liver"}',
            headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as failure:
            return int(failure.code)

    assert [status(f"10.0.0.{n}") for n in range(4)] == [200, 200, 429, 429]


def test_a_path_written_to_the_log_cannot_forge_a_line(server: Running) -> None:
    exchange(server.port, b"GET /x%0aFORGED%1b[2J HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    log = wait_for_text(server.log, "FORGED")
    assert "/x\\nFORGED\\x1b[2J 404" in log
    assert "\nFORGED" not in log and "\x1b" not in log


def test_a_body_over_the_cap_is_a_413_not_taken_for_headers(server: Running) -> None:
    body = b'{"message": "' + b"a" * 40_000 + b'"}'
    head = f"POST /api/v1/chat HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    for _ in range(5):
        response, _ = exchange(server.port, head.encode() + body)
        assert response.startswith(b"HTTP/1.1 413 "), response[:100]
        assert b"431" not in response


def test_requests_one_after_another_on_one_connection_are_each_answered(server: Running) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
    response, _ = exchange(server.port, request * 3 + b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert response.count(b"HTTP/1.1 200 OK") == 4


def test_a_body_sent_too_slowly_is_closed_with_a_408(server: Running) -> None:
    head = b"POST /api/v1/chat HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    response, seconds = exchange(server.port, head + b'{"message": ', wait=TIMEOUT + 5)
    refused(response, "408", "request_timeout")
    assert seconds < TIMEOUT + 3


def test_a_connection_that_never_sends_a_request_is_closed_with_a_408(server: Running) -> None:
    response, seconds = exchange(server.port, b"", wait=TIMEOUT + 5)
    refused(response, "408", "request_timeout")
    assert seconds < TIMEOUT + 3
