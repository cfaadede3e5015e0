"""The guard around every request: a request id, the rate limit, the body cap, security headers, a log line without
words, and the request counted (when metrics are on)."""

from __future__ import annotations

import logging
import time
import traceback
import uuid

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mbcbot.text import printable
from mbcbot.web.chatroute import PATH, Chat
from mbcbot.web.jsonbodies import error
from mbcbot.web.limits import RateLimiter
from mbcbot.web.metrics import Metrics
from mbcbot.web.settings import WebSettings
from mbcbot.web.widget import PATHS as WIDGET_PATHS

log = logging.getLogger("mbcbot.web")
OTHER = "other"  # the route counted for a path no route serves: a path may carry words, and has no bound


class BodyTooLarge(Exception):
    """The request body passed the cap while it was read."""


class Exchange:
    """One request and its response as the guard sees them: the body counted, the guard's headers added."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, headers: list[tuple[bytes, bytes]], cap: int) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.headers = headers
        self.cap = cap
        self.received = 0
        self.status = 500  # what the log line says when no response is sent
        self.started = False

    async def receive(self) -> Message:
        """The next part of the request; BodyTooLarge once the body passes the cap."""
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.cap:
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        """Sends a part of the response, the guard's headers added to its start."""
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            message = {**message, "headers": [*message.get("headers", []), *self.headers]}
        await self._send(message)

    async def respond(self, response: Response) -> None:
        """Sends `response` unless a response has started already."""
        if not self.started:
            await response(self.scope, self.receive, self.send)


class Guard:
    """Every request: a request id, the rate limit, the body cap, security headers, and a log line without words."""

    def __init__(
        self,
        app: ASGIApp,
        settings: WebSettings,
        chat: Chat,
        metrics: Metrics | None = None,
        served: frozenset[str] = frozenset(),
    ) -> None:
        """`metrics`: where each request is counted, by its route: its path when one of the `served` paths, else "other"."""
        self.app = app
        self.settings = settings
        self.chat = chat
        self.metrics = metrics
        self.served = served
        self.limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
        self.security = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        request_id = _request_id(headers)
        outcome: dict[str, object] = {}
        scope.setdefault("state", {})["outcome"] = outcome
        exchange = Exchange(scope, receive, send, self._headers(scope["path"], request_id), self.settings.max_body_bytes)
        try:
            await self._answer(exchange, headers)
        except BodyTooLarge:
            await exchange.respond(self._too_large())
        except ClientDisconnect:  # the client went away: no one to answer
            pass
        except Exception as failure:  # a bug: its text may quote what was typed, so only its type and frames are logged
            frames = "".join(traceback.format_tb(failure.__traceback__))
            log.error("internal error %s %s\n%s", request_id, type(failure).__name__, frames.rstrip())
            await exchange.respond(error(500, "internal_error", "Something went wrong on our side. Please try again later."))
        finally:
            self._noted(scope, request_id, exchange.status, time.perf_counter() - started, outcome)

    def _noted(self, scope: Scope, request_id: str, status: int, seconds: float, outcome: dict[str, object]) -> None:
        """The request counted (when metrics are on) and logged, without its words."""
        if self.metrics is not None:
            self.metrics.requested(scope["path"] if scope["path"] in self.served else OTHER, status, seconds)
        if log.isEnabledFor(logging.INFO):  # the line is made only when it is kept
            log.info(
                "request %s %s %s %s %.1fms %s",
                request_id, printable(scope["method"], False), printable(scope["path"], False), status,
                1000 * seconds, printable(" ".join(f"{k}={v}" for k, v in outcome.items()), False),
            )  # fmt: skip

    async def _answer(self, exchange: Exchange, headers: Headers) -> None:
        """The application's response, or the guard's refusal."""
        scope = exchange.scope
        if scope["method"] == "POST" and scope["path"].startswith("/api/"):
            allowed, wait = self.limiter.allowed(self._client(scope, headers), time.monotonic())
            if not allowed:
                await exchange.respond(await self._over_limit(exchange, headers, str(max(1, round(wait)))))
                return
            declared = headers.get("content-length")
            if declared is not None and (not declared.strip().isdecimal() or int(declared) > self.settings.max_body_bytes):
                await exchange.respond(self._too_large())
                return
        await self.app(scope, exchange.receive, exchange.send)

    async def _over_limit(self, exchange: Exchange, headers: Headers, retry: str) -> Response:
        """429, except that a chat message reporting an emergency is read first and answered (safety before limits)."""
        wait = f"{retry} second" if retry == "1" else f"{retry} seconds"
        refusal = error(429, "rate_limited", f"Too many requests; please wait {wait}.", {"Retry-After": retry})
        if exchange.scope["path"] != PATH:
            return refusal
        try:
            body = await Request(exchange.scope, exchange.receive).body()
        except BodyTooLarge:
            return refusal
        return self.chat.emergency_response(body, headers.get("content-type", ""), exchange.scope) or refusal

    def _headers(self, path: str, request_id: str) -> list[tuple[bytes, bytes]]:
        """The headers the guard adds to every response."""
        headers = [(b"x-request-id", request_id.encode()), *self.security]
        if path in WIDGET_PATHS:  # loaded by other sites' pages, and checked against their integrity (CORS)
            headers += [(b"cross-origin-resource-policy", b"cross-origin"), (b"access-control-allow-origin", b"*")]
        if path.startswith("/api/"):
            headers.append((b"cache-control", b"no-store"))
        return headers

    def _client(self, scope: Scope, headers: Headers) -> str:
        """The client's address: with N proxies of one's own in front, the address the last of them saw, which is
        the Nth entry of X-Forwarded-For from the right (entries to the left of it are the client's to write);
        else, and when fewer proxies added entries, the address of the connection."""
        hops = self.settings.proxy_hops
        if hops:
            forwarded = [entry.strip() for value in headers.getlist("x-forwarded-for") for entry in value.split(",")]
            forwarded = [entry for entry in forwarded if entry]
            if len(forwarded) >= hops:
                return forwarded[-hops]
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    def _too_large(self) -> Response:
        return error(413, "body_too_large", f"The request body is larger than {self.settings.max_body_bytes} bytes.")


def security_headers(settings: WebSettings) -> list[tuple[bytes, bytes]]:
    """The headers every response carries, the guard's refusals and the connection guard's alike."""
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors {settings.frame_ancestors}"
    )
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", csp.encode()),
    ]


def _request_id(headers: Headers) -> str:
    """The request id the client gave, when it is a plain one; else a new one."""
    given = headers.get("x-request-id", "").strip()
    return given if 8 <= len(given) <= 64 and all(c.isalnum() or c in "-_" for c in given) else uuid.uuid4().hex
