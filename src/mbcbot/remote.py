"""A live mbcbot service, as `mbcbot replay --url` talks to it: POST /api/v1/chat, the state token carried from turn
to turn, over HTTP or HTTPS (trusting a CA of one's own when given).

A chat turn carries its whole state, so sending it again is safe: a turn is retried after a network error or a 502,
503 or 504 (a few times, waiting longer each time), and after a 429 once the service's Retry-After has passed.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from typing import Any, NamedTuple

from mbcbot.errors import MbcbotError
from mbcbot.model import Answered, Exchange, Reply

CHAT = "/api/v1/chat"
VERSION = "/api/v1/version"
TIMEOUT = 30.0  # seconds for one request
BACKOFF = (0.5, 1.0, 2.0, 4.0)  # seconds before each retry after a network error, a 502, 503 or 504
RATE_LIMITED_TRIES = 20  # 429s one turn waits out before the replay gives up
MAX_WAIT = 30.0  # seconds: the longest Retry-After honoured
PASSING = {502, 503, 504}  # a proxy or a worker that is going away: the next try reaches another
MAX_BODY = 4 * 1024 * 1024  # bytes of one response read


class ServiceError(MbcbotError):
    """The service cannot be reached, or does not answer as an mbcbot service does."""


class Response(NamedTuple):
    status: int
    body: Any  # the parsed JSON, or None
    retry_after: str


class Retries:
    """How many requests were sent again, by reason ("429", "503", "a network error"); shared by threads."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.waited = 0.0
        self._lock = threading.Lock()

    def note(self, reason: str, seconds: float) -> None:
        with self._lock:
            self.counts[reason] += 1
            self.waited += seconds

    def summary(self) -> str:
        """'retried 3 requests: 2 after 429, 1 after a network error (waited 4.5 s)', or '' when none were."""
        if not self.counts:
            return ""
        reasons = ", ".join(f"{count} after {reason}" for reason, count in sorted(self.counts.items()))
        return f"retried {sum(self.counts.values())} requests: {reasons} (waited {self.waited:.1f} s)"


class Service:
    """The mbcbot service at `url`."""

    def __init__(self, url: str, cafile: str | None = None, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        try:
            self.context = ssl.create_default_context(cafile=cafile)
        except (OSError, ssl.SSLError) as error:
            raise ServiceError(f"cannot use the CA file {cafile}: {error}") from None
        self.retries = Retries()

    def version(self) -> dict[str, str]:
        """What the service says it serves: {"version", "knowledge"}."""
        response = self._sent("GET", VERSION, None)
        body = response.body
        if (
            response.status != 200
            or not isinstance(body, dict)
            or not all(isinstance(body.get(k), str) for k in ("version", "knowledge"))
        ):
            raise ServiceError(f"{self.url}{VERSION} answered {response.status}, not the version of an mbcbot service")
        return {"version": body["version"], "knowledge": body["knowledge"]}

    def conversation(self) -> Exchange:
        """A fresh conversation with the service."""
        state: str | None = None

        def answered(message: str) -> Answered:
            nonlocal state
            reply, state, lost = self.turn(message, state)
            return reply, lost

        return answered

    def turn(self, message: str, state: str | None) -> tuple[Reply, str | None, tuple[str, ...]]:
        """The reply to one message, the next state, and a problem when the service did not accept the state."""
        response = self._sent("POST", CHAT, {"message": message, "state": state})
        body: dict[str, Any] = response.body if isinstance(response.body, dict) else {}
        error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
        if response.status == 422 and error.get("code") == "message_too_long" and isinstance(error.get("message"), str):
            # The service refuses a message over its limit; the engine answers it with the same line, as a reply.
            text = error["message"]
            return Reply(kind="fallback", text=text, rule="input:too-long", lines=(text,)), state, ()
        if response.status != 200:
            raise ServiceError(f"{self.url}{CHAT} answered {response.status}: {error.get('message') or 'not a chat reply'}")
        try:
            reply = Reply.from_dict(body.get("reply"))
        except ValueError as problem:
            raise ServiceError(f"{self.url}{CHAT} answered a reply that does not fit the contract: {problem}") from None
        lost = ("state: the service did not accept the state and restarted the conversation",) if body.get("state_reset") else ()
        next_state = body.get("state")
        return reply, next_state if isinstance(next_state, str) else None, lost

    def _sent(self, method: str, path: str, payload: object) -> Response:
        """The response to one request, sent again while it is safe to (see the module's docstring)."""
        failures = rate_limited = 0
        while True:
            response = self._tried(method, path, payload)
            if isinstance(response, Response) and response.status == 429 and rate_limited < RATE_LIMITED_TRIES:
                rate_limited += 1
                self._wait("429", _seconds(response.retry_after))
                continue
            if isinstance(response, Response) and (response.status not in PASSING or failures == len(BACKOFF)):
                return response
            if failures == len(BACKOFF):
                raise ServiceError(f"cannot reach {self.url}: {response}")
            self._wait(str(response.status) if isinstance(response, Response) else "a network error", BACKOFF[failures])
            failures += 1

    def _wait(self, reason: str, seconds: float) -> None:
        self.retries.note(reason, seconds)
        time.sleep(seconds)

    def _tried(self, method: str, path: str, payload: object) -> Response | str:
        """The response, or what went wrong on the way (refused, reset, timed out, cut off)."""
        try:
            return self._once(method, path, payload)
        except (OSError, http.client.HTTPException) as error:
            cause = getattr(error, "reason", None) or error
            if isinstance(cause, ssl.SSLError):  # a certificate not trusted: no retry helps
                raise ServiceError(f"cannot reach {self.url}: {cause}") from None
            return str(cause)

    def _once(self, method: str, path: str, payload: object) -> Response:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = {"Accept": "application/json", **({"Content-Type": "application/json"} if data else {})}
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as answer:
                return Response(answer.status, _json(answer.read(MAX_BODY)), answer.headers.get("Retry-After", ""))
        except urllib.error.HTTPError as answer:
            with answer:
                return Response(answer.code, _json(answer.read(MAX_BODY)), answer.headers.get("Retry-After", ""))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _seconds(retry_after: str) -> float:
    """The wait a Retry-After of whole seconds asks for (1 s when it says none), at most MAX_WAIT."""
    return min(float(retry_after), MAX_WAIT) if retry_after.strip().isdecimal() else 1.0
