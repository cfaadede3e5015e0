"""POST /api/v1/chat: a message and the state of the conversation in, the reply and the next state out."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mbcbot.bot import Bot
from mbcbot.web.jsonbodies import JSON, error, json_value
from mbcbot.web.metrics import Metrics
from mbcbot.web.state import StateCodec

PATH = "/api/v1/chat"
STATE_LIMIT = 512  # characters: a token is far shorter

Scope = MutableMapping[str, Any]


class Chat:
    """Chat requests, from their body to the response: the reply, or the error saying why there is none."""

    def __init__(self, bot: Bot, codec: StateCodec, log_messages: bool, metrics: Metrics | None = None) -> None:
        self.bot = bot
        self.codec = codec
        self.log_messages = log_messages
        self.metrics = metrics
        self.limit = bot.knowledge.conversation.max_message_chars
        self.too_long = bot.dialogue.voice.line("too_long", max_chars=self.limit)

    async def endpoint(self, request: Request) -> Response:
        """The route's endpoint."""
        return self.response(await request.body(), request.headers.get("content-type", ""), request.scope)

    def response(self, body: bytes, content_type: str, scope: Scope) -> Response:
        """The response to one chat request's body."""
        read = self._read(body, content_type)
        if isinstance(read, Response):
            return read
        message, state = read
        if len(message) > self.limit:
            return self.emergency_answer(message, state, scope) or error(422, "message_too_long", self.too_long)
        if state is not None and not isinstance(state, str):
            return _invalid("body.state: the state of the last reply (text), or null to start a conversation")
        if state is not None and not _is_state(state):
            return _invalid(f"body.state: longer than {STATE_LIMIT} characters (a state is far shorter)")
        return self.answer(message, state if isinstance(state, str) else None, scope)

    def emergency_response(self, body: bytes, content_type: str, scope: Scope) -> Response | None:
        """For a request refused before it is answered (too many requests): the answer when it reports an emergency."""
        read = self._read(body, content_type)
        return None if isinstance(read, Response) else self.emergency_answer(*read, scope)

    def _read(self, body: bytes, content_type: str) -> tuple[str, object] | Response:
        """The message and state of a request body, or the error saying why it cannot be read."""
        if not names_json(content_type):
            return _invalid("body: Content-Type must be application/json")
        try:
            data = json_value(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep to read
            return _invalid("body: not JSON")
        message = data.get("message") if isinstance(data, dict) else None
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(message, str):
            return _invalid("body.message: a text is required")
        if not is_unicode(message) or (isinstance(state, str) and not is_unicode(state)):
            return _invalid("body: text with a lone surrogate")
        return message, state

    def emergency_answer(self, message: str, state: object, scope: Scope) -> Response | None:
        """The answer to a message refused for its length or rate when it reports an emergency (safety reads it first)."""
        if (state is None or _is_state(state)) and self.bot.dialogue.emergency(message) is not None:
            return self.answer(message, state if isinstance(state, str) else None, scope)
        return None

    def answer(self, message: str, state: str | None, scope: Scope) -> Response:
        """The reply, the next state and whether the state sent was refused; the outcome noted for the log and counted."""
        now = time.time()
        session = self.codec.session(state, now)
        reply, after = self.bot.reply(message, session)
        outcome = scope.get("state", {}).get("outcome", {})
        outcome.update(kind=reply.kind, slides=list(reply.slides), rule=reply.rule)
        if self.log_messages:
            outcome["message"] = message
        reset = bool(state) and session is None
        if self.metrics is not None:
            self.metrics.replied(reply, reset)
        return JSON({"reply": reply.as_dict(), "state": self.codec.token(after, now), "state_reset": reset})


def _is_state(state: object) -> bool:
    return isinstance(state, str) and len(state) <= STATE_LIMIT


def _invalid(where: str) -> Response:
    return error(422, "invalid_request", f"The request is not valid: {where}")


def names_json(content_type: str) -> bool:
    """Whether a Content-Type is application/json or application/*+json, the bodies read as JSON."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def is_unicode(text: str) -> bool:
    """Whether `text` is valid Unicode: JSON's \\u escapes can carry a lone surrogate, which no reply can encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
