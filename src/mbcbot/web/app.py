"""The web application over a loaded bot: its routes and the middleware around them.

POST /api/v1/chat {message, state?} -> {reply, state, state_reset}; GET /api/v1/topics;
GET /healthz; GET /api/v1/version; GET /widget.js, /widget.css and their versioned copies under /widget/VERSION/;
GET / (a demo page); GET /openapi.json; with metrics on, GET /metrics (see docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mbcbot import __version__
from mbcbot.bot import Bot
from mbcbot.review import knowledge_digest
from mbcbot.web.chatroute import PATH, Chat
from mbcbot.web.guard import Guard
from mbcbot.web.jsonbodies import JSON, error, json_bytes, json_value
from mbcbot.web.metrics import PATH as METRICS_PATH
from mbcbot.web.metrics import Metrics
from mbcbot.web.settings import WebSettings
from mbcbot.web.state import StateCodec
from mbcbot.web.widget import MOVING, PATHS, static_file, widget_files, widget_lines

Endpoint = Callable[[Request], Awaitable[Response]]
KINDS = {"script": "text/javascript; charset=utf-8", "style": "text/css; charset=utf-8"}
CACHED = {"Cache-Control": "public, max-age=300"}  # the moving addresses and the demo page: a new release shows soon
KEPT = {"Cache-Control": "public, max-age=31536000, immutable"}  # a versioned address never changes its bytes


def create_app(bot: Bot, settings: WebSettings) -> Starlette:
    """The web application over a loaded bot."""
    metrics = Metrics(bot.knowledge, settings.metrics_folder) if settings.metrics else None
    chat = Chat(bot, StateCodec(settings.secret, settings.state_max_age, bot.knowledge.fits), settings.log_messages, metrics)
    routes = [
        Route(PATH, chat.endpoint, methods=["POST"]),
        Route("/api/v1/topics", _always(json_bytes(_topics(bot)), JSON.media_type)),
        Route("/healthz", _always(json_bytes({"status": "ok"}), JSON.media_type)),
        Route("/api/v1/version", _always(json_bytes(served_version(bot)), JSON.media_type)),
        Route("/openapi.json", _always(_openapi(bot), "application/json")),
    ]
    files = widget_files(bot)
    for path, kind in PATHS.items():
        routes.append(Route(path, _always(files.content(path), KINDS[kind], CACHED if path in MOVING else KEPT)))
    routes.append(Route("/", _always(static_file("demo.html"), "text/html; charset=utf-8", CACHED)))
    if metrics is not None:
        routes.append(Route(METRICS_PATH, metrics.endpoint))
    served = frozenset(route.path for route in routes)
    middleware = [Middleware(Guard, settings=settings, chat=chat, metrics=metrics, served=served)]
    if settings.cors_origins:
        cors = Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            expose_headers=["Retry-After", "X-Request-ID"],
        )
        middleware.insert(0, cors)  # outermost: a preflight is answered before the guard
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: _refused})
    app.router.redirect_slashes = False  # a redirect would build its Location from the client's Host header
    return app


def _always(content: bytes, media_type: str, headers: dict[str, str] | None = None) -> Endpoint:
    """An endpoint whose answer never changes: its body is made once."""

    async def endpoint(request: Request) -> Response:
        return Response(content, media_type=media_type, headers=headers)

    return endpoint


def served_version(bot: Bot) -> dict[str, str]:
    """Which version of mbcbot serves which reviewed knowledge (the digest of its review stamps)."""
    return {"version": __version__, "knowledge": knowledge_digest(bot.knowledge)}


def _topics(bot: Bot) -> dict[str, Any]:
    """The topics, one per slide, the emergency number and the widget's lines (for a front end of one's own)."""
    return {
        "topics": [{"pack": s.pack, "slide": s.number, "title": s.title} for s in bot.knowledge.slides],
        "emergency_number": bot.dialogue.voice.emergency_number,
        "lines": widget_lines(bot),
    }


def _openapi(bot: Bot) -> bytes:
    """The OpenAPI description (openapi.json, kept by hand beside this module), with this bot's message limit."""
    document = json_value(resources.files("mbcbot.web").joinpath("openapi.json").read_bytes())
    document["info"]["version"] = __version__
    message = document["components"]["schemas"]["ChatRequest"]["properties"]["message"]
    message["maxLength"] = bot.knowledge.conversation.max_message_chars
    return json_bytes(document)


REFUSALS = {
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method."),
}


async def _refused(request: Request, refusal: Exception) -> Response:
    """A request no route takes (404, 405), in the API's one error format: {"error": {"code", "message"}}."""
    if not isinstance(refusal, HTTPException):  # registered for HTTPException alone
        raise refusal
    code, message = REFUSALS.get(refusal.status_code, ("http_error", "The request cannot be answered."))
    return error(refusal.status_code, code, message, dict(refusal.headers or {}))
