"""Each connection as a worker meets it, before HTTP is parsed: request headers bounded in size and number, a
request that must arrive within a time, and a cap on open connections. A refusal is a short JSON error with the
service's headers, and one log line.

The guard wraps the HTTP protocol the server runs (it is handed the protocol's class, so the server library stays
in `server.py`) and passes it every byte it does not refuse.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar, NamedTuple

from mbcbot.web.jsonbodies import json_bytes

log = logging.getLogger("mbcbot.web")

HEADERS_END = b"\r\n\r\n"
STATUS = {
    400: b"400 Bad Request",
    408: b"408 Request Timeout",
    431: b"431 Request Header Fields Too Large",
    503: b"503 Service Unavailable",
}
REFUSALS = {
    400: ("bad_request", "The request is not valid HTTP."),
    408: ("request_timeout", "The request did not arrive in time."),
    431: ("headers_too_large", "The request's headers are too large or too many."),
    503: ("busy", "The service has too many open connections; please try again shortly."),
}


class Limits(NamedTuple):
    """What one connection may cost a worker (documented in docs/embedding.md, with what nginx should set)."""

    header_bytes: int = 16 * 1024  # a request line and headers together; a browser's are a few hundred bytes
    header_lines: int = 100
    request_seconds: float = 10.0  # from a connection's start, or its last response, to the next response
    connections: int = 512  # open at once per worker: well below the file descriptors a process may hold


class Tally:
    """The connections a worker has open."""

    def __init__(self) -> None:
        self.open = 0


def refusal(status: int, headers: bytes) -> bytes:
    """A whole HTTP response refusing a request, in the API's error format, that closes the connection."""
    code, message = REFUSALS[status]
    body = json_bytes({"error": {"code": code, "message": message}})
    head = b"HTTP/1.1 " + STATUS[status] + b"\r\ncontent-type: application/json; charset=utf-8\r\n"
    head += b"content-length: " + str(len(body)).encode("ascii") + b"\r\nconnection: close\r\n" + headers
    return head + b"\r\n" + body


class GuardedConnection(asyncio.Protocol):
    """One connection: bytes pass to the HTTP protocol unless a limit refuses them. A worker's server sets up the
    class once (`setup`) before its first connection."""

    inner_class: ClassVar[Any]  # the server's HTTP protocol class
    limits: ClassVar[Limits]
    headers: ClassVar[bytes]  # the service's headers, as response header lines
    tally: ClassVar[Tally]

    @classmethod
    def setup(cls, inner_class: Any, limits: Limits, headers: list[tuple[bytes, bytes]]) -> None:
        """Speak HTTP through `inner_class`, within `limits`, refusing with `headers`."""
        cls.inner_class, cls.limits, cls.headers, cls.tally = inner_class, limits, header_lines(headers), Tally()

    def __init__(self, **settings: Any) -> None:
        self.inner = self.inner_class(**settings)
        self.transport: asyncio.Transport | None = None
        self.pending = b""  # the headers of the request begun, until they end
        self.waiting = True  # for the headers of a request (else for the rest of its body)
        self.body_left: int | None = 0  # bytes of the body still to come; None for a chunked body
        self.following = True  # off after a chunked request is answered: its end cannot be told without parsing it
        self.timer: asyncio.TimerHandle | None = None
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.tally.open >= self.limits.connections:
            log.warning("refused a connection: %d open, the most a worker keeps", self.tally.open)
            self._refuse(503)
            return
        self.tally.open += 1
        self.counted = True
        self.inner.connection_made(Answering(transport, self))
        self._start()  # the first request's time runs from the connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        if self.counted:
            self.tally.open -= 1
            self.counted = False
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self.counted:
            return  # refused: nothing more is read
        if self.following and not self._within_limits(data):
            return
        self.inner.data_received(data)

    def _within_limits(self, data: bytes) -> bool:
        """Follows the requests that `data` goes on with; False (the connection refused) when one breaks a limit."""
        while data:
            if not self.waiting:  # the body of a request
                if self.body_left is None:
                    return True  # chunked: followed until it is answered
                taken = min(len(data), self.body_left)
                self.body_left -= taken
                data = data[taken:]
                if self.body_left == 0:
                    self.waiting = True
                    self._stop()
                continue
            if not self.pending:
                self._start()  # a request begins: its time runs from its first byte
            self.pending += data
            end = self.pending.find(HEADERS_END)
            head = self.pending if end < 0 else self.pending[:end]
            if len(head) > self.limits.header_bytes or head.count(b"\r\n") > self.limits.header_lines:
                log.warning("refused a request: headers over %d bytes or %d lines", *self.limits[:2])
                self._refuse(431)
                return False
            if end < 0:
                return True
            data = self.pending[end + len(HEADERS_END) :]
            self.pending, self.waiting, self.body_left = b"", False, body_length(head)
            if self.body_left == 0:
                self.waiting = True
                self._stop()
            else:
                self._start()  # the body has its own time from the end of the headers
        return True

    def eof_received(self) -> bool | None:
        return bool(self.inner.eof_received()) if self.counted else None

    def pause_writing(self) -> None:
        if self.counted:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.counted:
            self.inner.resume_writing()

    def answered(self) -> None:
        """A response is on its way. A chunked request's end is not followed past its answer: the guard leaves the
        connection to the server's own keep-alive time."""
        if not self.waiting and self.body_left is None:
            self.following = False
            self._stop()

    def _start(self) -> None:
        self._stop()
        self.timer = asyncio.get_running_loop().call_later(self.limits.request_seconds, self._timed_out)

    def _stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _timed_out(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            log.warning("refused a request: not sent in %.0f s", self.limits.request_seconds)
            self._refuse(408)

    def _refuse(self, status: int) -> None:
        assert self.transport is not None
        self.transport.write(refusal(status, self.headers))
        self.transport.close()


def body_length(head: bytes) -> int | None:
    """The length of the body a request's headers announce: 0 for none, None for a chunked body."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return None
        if name == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    return length


class Answering:
    """The connection's transport as the HTTP protocol writes to it: a response tells the guard it is answered, and
    the server library's own 400 (plain text, no service headers) goes out in the API's format instead."""

    def __init__(self, transport: asyncio.Transport, guard: GuardedConnection) -> None:
        self._transport = transport
        self._guard = guard

    def write(self, data: bytes | bytearray | memoryview) -> None:
        data = bytes(data)
        if data.startswith(b"HTTP/1.1 400 ") and b"content-type: text/plain" in data[:1024].lower():
            data = refusal(400, self._guard.headers)
        self._guard.answered()
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def header_lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    """Headers as the lines of a response."""
    return b"".join(name + b": " + value + b"\r\n" for name, value in headers)
