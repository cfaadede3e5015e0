"""POST /api/v1/chat as a plain ASGI handler: chat is the hot path, so it skips the framework's per-request work.

It answers every request exactly as the documented route in app.py would
(tests/test_web.py sends both the same requests and compares).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from mbcbot.bot import Bot
from mbcbot.web.state import StateCodec

PATH = "/api/v1/chat"
STATE_LIMIT = 512  # characters: a token is far shorter
JSON_TYPE = b"application/json; charset=utf-8"

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


def json_bytes(content: object) -> bytes:
    """A compact JSON body in UTF-8 (orjson lives here: a reply encodes about ten times faster than with json)."""
    return orjson.dumps(content)


def json_value(body: bytes) -> Any:
    """The JSON value of a request body; ValueError or RecursionError when it is not JSON.

    orjson reads what is plainly JSON; anything it refuses (a lone surrogate escape, NaN, a UTF-16 body,
    deep nesting) is read by json, so every body gets exactly the answer json gives it.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def error_body(code: str, message: str) -> bytes:
    """The JSON error body: {"error": {"code", "message"}}."""
    return json_bytes({"error": {"code": code, "message": message}})


class Chat:
    """One chat request, from its body to the status and JSON body of the response."""

    def __init__(self, bot: Bot, codec: StateCodec, log_messages: bool) -> None:
        self.bot = bot
        self.codec = codec
        self.log_messages = log_messages
        self.limit = bot.knowledge.conversation.max_message_chars
        self.too_long = f"The message is longer than {self.limit} characters. Please ask one short question at a time."

    def respond(self, body: bytes, content_type: str, scope: MutableMapping[str, Any]) -> tuple[int, bytes]:
        """The status and JSON body for one chat request."""
        read = self._read(body, content_type)
        if isinstance(read, bytes):
            return 422, read
        message, state = read
        if len(message) > self.limit:
            emergency = self.emergency_answer(message, state, scope)
            return (200, emergency) if emergency is not None else (422, error_body("message_too_long", self.too_long))
        if state is not None and (not isinstance(state, str) or len(state) > STATE_LIMIT):
            return 422, error_body(
                "invalid_request", f"The request is not valid: body.state: text of at most {STATE_LIMIT} characters"
            )
        return 200, self.answer(message, state, scope)

    def emergency_response(self, body: bytes, content_type: str, scope: MutableMapping[str, Any]) -> bytes | None:
        """For a request refused before it is answered (too many requests): the answer when it reports an emergency."""
        read = self._read(body, content_type)
        return None if isinstance(read, bytes) else self.emergency_answer(*read, scope)

    def _read(self, body: bytes, content_type: str) -> tuple[str, object] | bytes:
        """The message and state of a request body, or the error body saying why it cannot be read."""
        if not names_json(content_type):
            return error_body("invalid_request", "The request is not valid: body: Content-Type must be application/json")
        try:
            data = json_value(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep to read
            return error_body("invalid_request", "The request is not valid: body: not JSON")
        message = data.get("message") if isinstance(data, dict) else None
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(message, str):
            return error_body("invalid_request", "The request is not valid: body.message: a text is required")
        if not is_unicode(message) or (isinstance(state, str) and not is_unicode(state)):
            return error_body("invalid_request", "The request is not valid: body: text with a lone surrogate")
        return message, state

    def emergency_answer(self, message: object, state: object, scope: MutableMapping[str, Any]) -> bytes | None:
        """The answer to a message refused for its length or rate when it reports an emergency (safety reads it first)."""
        state_ok = state is None or (isinstance(state, str) and len(state) <= STATE_LIMIT)
        if isinstance(message, str) and state_ok and self.bot.dialogue.emergency(message) is not None:
            return self.answer(message, state if isinstance(state, str) else None, scope)
        return None

    def answer(self, message: str, state: str | None, scope: MutableMapping[str, Any]) -> bytes:
        """The reply, the next state and whether the state sent was refused, as JSON; the outcome noted for the log."""
        now = time.time()
        session = self.codec.session(state, now)
        reply, after = self.bot.reply(message, session)
        outcome = scope.get("state", {}).get("outcome", {})
        outcome.update(kind=reply.kind, slides=list(reply.slides), rule=reply.rule)
        if self.log_messages:
            outcome["message"] = message
        reset = bool(state) and session is None
        return json_bytes({"reply": reply.as_dict(), "state": self.codec.token(after, now), "state_reset": reset})


class ChatRoute:
    """Answers POST /api/v1/chat itself; passes every other request on to `app`."""

    def __init__(self, app: ASGIApp, chat: Chat) -> None:
        self.app = app
        self.chat = chat

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:  # the client went away
            return
        status, content = self.chat.respond(body, header(scope, b"content-type"), scope)
        headers = [(b"content-type", JSON_TYPE), (b"content-length", str(len(content)).encode("ascii"))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def header(scope: MutableMapping[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def names_json(content_type: str) -> bool:
    """Whether a Content-Type is application/json or application/*+json, the bodies the framework reads as JSON."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def is_unicode(text: str) -> bool:
    """Whether `text` is valid Unicode: JSON's \\u escapes can carry a lone surrogate, which no reply can encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
