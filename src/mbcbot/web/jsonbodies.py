"""JSON bodies in and out of the web service (orjson lives here and nowhere else)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.responses import Response


class JSON(Response):
    """A compact JSON body in UTF-8 that says its charset (orjson: a reply encodes ten times faster than with json)."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


def json_bytes(content: Any) -> bytes:
    """`content` as compact JSON in UTF-8."""
    return orjson.dumps(content)


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSON:
    """A JSON error: {"error": {"code", "message"}}."""
    return JSON({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def json_value(body: bytes) -> Any:
    """The JSON value of a request body; ValueError or RecursionError when it is not JSON.

    orjson reads what is plainly JSON; anything it refuses (a lone surrogate escape, NaN, a UTF-16 body,
    deep nesting) is read by json, so every body gets exactly the answer json gives it.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)
