"""The HTTP API and the widget's files (FastAPI and Starlette live here and nowhere else).

POST /api/v1/chat {message, state?} -> {reply, state, state_reset}; GET /api/v1/topics;
GET /healthz; GET /widget.js, /widget.css; GET / (a demo page); GET /openapi.json.
"""

import logging
import time
import traceback
import uuid
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mbcbot.bot import Bot
from mbcbot.web.chatroute import JSON_TYPE, PATH, STATE_LIMIT, Chat, ChatRoute, header, read_body
from mbcbot.web.limits import RateLimiter
from mbcbot.web.settings import WebSettings
from mbcbot.web.state import StateCodec

log = logging.getLogger("mbcbot.web")
STATIC = {
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "/widget.css": ("widget.css", "text/css; charset=utf-8"),
    "/": ("demo.html", "text/html; charset=utf-8"),
}


class JSON(JSONResponse):
    """JSON that says its charset."""

    media_type = "application/json; charset=utf-8"


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSON:
    """A JSON error body: {"error": {"code", "message"}}."""
    return JSON({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


class Documented(BaseModel):
    """A JSON body as /openapi.json describes it: exactly these fields (schemathesis holds responses to it)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Documented):
    code: str = Field(description="message_too_long, invalid_request, body_too_large or rate_limited.")
    message: str = Field(description="What went wrong, in a sentence for people.")


class ErrorBody(Documented):
    error: ErrorDetail


class SourceBody(Documented):
    pack: str
    pack_title: str
    slide: int
    title: str
    publisher: str
    reviewer: str
    review_date: str


class ReplyBody(Documented):
    kind: str = Field(description="answer, clarify, fallback, emergency, advice, greeting, help, sources, thanks or goodbye.")
    slides: list[int]
    quotes: list[str]
    text: str
    sources: list[SourceBody]
    notice: str
    suggestions: list[str]
    rule: str


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
CHAT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "body_too_large: the body is over MBCBOT_MAX_BODY_BYTES."},
    422: {"model": ErrorBody, "description": "message_too_long, or invalid_request: the body is not JSON {message, state?}."},
    429: {"model": ErrorBody, "description": "rate_limited: too many requests from this client.", "headers": RETRY_AFTER},
}


def create_app(bot: Bot, settings: WebSettings, fast_chat: bool = True) -> FastAPI:
    """The web application over a loaded bot (`fast_chat=False`: chat through the framework's route only)."""
    limit = bot.knowledge.conversation.max_message_chars
    too_long = f"The message is longer than {limit} characters. Please ask one short question at a time."
    chat_requests = Chat(bot, StateCodec(settings.secret, settings.state_max_age), settings.log_messages)
    files = {
        path: (resources.files("mbcbot.web").joinpath("static", name).read_bytes(), kind) for path, (name, kind) in STATIC.items()
    }

    class ChatRequest(BaseModel):
        message: str = Field(max_length=limit, description=f"What the person typed; at most {limit} characters.")
        state: str | None = Field(
            default=None, max_length=STATE_LIMIT, description="The state token of the previous reply, if any."
        )

    class ChatResponse(Documented):
        reply: ReplyBody = Field(description="The Reply contract, as `mbcbot ask --json` prints it.")
        state: str = Field(description="Send this back with the next message.")
        state_reset: bool = Field(
            description="True when the state sent was tampered, expired or foreign, and the conversation started afresh."
        )

    app = FastAPI(title="mbcbot", version=_version(), default_response_class=JSON, docs_url=None, redoc_url=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = exc.errors()
        if any(p.get("type") == "string_too_long" and p.get("loc", ())[-1:] == ("message",) for p in problems):
            body = exc.body if isinstance(exc.body, dict) else {}
            emergency = chat_requests.emergency_answer(body.get("message"), body.get("state"), request.scope)
            if emergency is not None:
                return Response(emergency, media_type=JSON.media_type)
            return error(422, "message_too_long", too_long)
        where = "; ".join(f"{'.'.join(str(part) for part in p.get('loc', ()))}: {p.get('msg', '')}" for p in problems)
        return error(422, "invalid_request", f"The request is not valid: {where}")

    @app.post(
        "/api/v1/chat",
        summary="Send a message, get the reply and the next state",
        response_model=ChatResponse,
        responses=CHAT_ERRORS,
    )
    async def chat(body: ChatRequest, request: Request) -> Response:
        content = chat_requests.answer(body.message, body.state, request.scope)
        return Response(content, media_type=JSON.media_type)

    @app.get("/api/v1/topics", summary="The topics, one per slide")
    async def topics() -> dict[str, Any]:
        lines = bot.knowledge.conversation.lines
        return {
            "topics": [{"pack": s.pack, "slide": s.number, "title": s.title} for s in bot.knowledge.slides],
            "lines": {"intro": lines["widget_intro"], "unreachable": lines["widget_unreachable"]},
        }

    @app.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for path in STATIC:
        app.add_api_route(path, _static(*files[path]), methods=["GET", "HEAD"], include_in_schema=False)

    if fast_chat:
        app.add_middleware(ChatRoute, chat=chat_requests)  # the hot path, inside the guard
    app.add_middleware(Guard, settings=settings, chat=chat_requests)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            expose_headers=["Retry-After", "X-Request-ID"],
        )
    return app


def _static(content: bytes, kind: str) -> Any:
    async def serve() -> Response:
        return Response(content, media_type=kind, headers={"Cache-Control": "public, max-age=300"})

    return serve


def _version() -> str:
    from mbcbot import __version__

    return __version__


class Guard:
    """Every request: a request id, the rate limit, the body cap, security headers, and a log line without words."""

    def __init__(self, app: ASGIApp, settings: WebSettings, chat: Chat) -> None:
        self.app = app
        self.settings = settings
        self.chat = chat
        self.limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
        self.csp = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            f"base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors {settings.frame_ancestors}"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        outcome: dict[str, Any] = {}
        scope.setdefault("state", {})["outcome"] = outcome
        status = [500]
        oversized = [False]
        responded = [False]

        async def send_with_headers(message: Message) -> None:
            if oversized[0] and message.get("type") != "refusal":  # the app read a cut-off body: refuse instead
                if message["type"] == "http.response.start":
                    oversized[0] = False
                    await self._too_large()(scope, receive, send_with_headers)
                    oversized[0] = True
                return
            message = {**message, "type": message["type"]}
            if message["type"] == "http.response.start":
                responded[0] = True
                status[0] = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"server",)]
                headers += self._headers(scope["path"], request_id)
                message = {**message, "headers": headers}
            await send(message)

        try:
            refused = self._refused(scope)
            if refused is not None:
                await refused(scope, receive, send_with_headers)
                return
            await self.app(scope, self._capped(receive, oversized), send_with_headers)
        except Exception as failure:  # a bug: its text may quote what was typed, so only its type and frames are logged
            frames = "".join(traceback.format_tb(failure.__traceback__))
            log.error("internal error %s %s\n%s", request_id, type(failure).__name__, frames.rstrip())
            if not responded[0]:
                await self._internal_error()(scope, receive, send_with_headers)
        finally:
            if log.isEnabledFor(logging.INFO):  # the line is made only when it is kept
                log.info(
                    "request %s %s %s %s %.1fms %s",
                    request_id, scope["method"], scope["path"], status[0], 1000 * (time.perf_counter() - started),
                    " ".join(f"{k}={v}" for k, v in outcome.items()),
                )  # fmt: skip

    def _headers(self, path: str, request_id: str) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"x-request-id", request_id.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", self.csp.encode()),
        ]
        if path in ("/widget.js", "/widget.css"):
            headers.append((b"cross-origin-resource-policy", b"cross-origin"))
        if path.startswith("/api/"):
            headers.append((b"cache-control", b"no-store"))
        return headers

    def _refused(self, scope: Scope) -> ASGIApp | None:
        if scope["method"] == "POST" and scope["path"].startswith("/api/"):
            allowed, wait = self.limiter.allowed(_client(scope, self.settings.trust_proxy), time.monotonic())
            if not allowed:
                return self._rate_limited(str(max(1, round(wait))))
            declared = _header(scope, b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > self.settings.max_body_bytes):
                return self._too_large()
        return None

    def _rate_limited(self, retry: str) -> ASGIApp:
        """429, except that a chat message reporting an emergency is read first and answered (safety before limits)."""
        refusal = error(429, "rate_limited", f"Too many requests; please wait {retry} seconds.", {"Retry-After": retry})

        async def respond(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["path"] == PATH:
                oversized = [False]
                body = await read_body(self._capped(receive, oversized))
                if body is not None and not oversized[0]:
                    emergency = self.chat.emergency_response(body, header(scope, b"content-type"), scope)
                    if emergency is not None:
                        headers = [(b"content-type", JSON_TYPE), (b"content-length", str(len(emergency)).encode("ascii"))]
                        await send({"type": "http.response.start", "status": 200, "headers": headers})
                        await send({"type": "http.response.body", "body": emergency})
                        return
            await refusal(scope, receive, send)

        return respond

    def _internal_error(self) -> ASGIApp:
        return error(500, "internal_error", "Something went wrong on our side. Please try again later.")

    def _too_large(self) -> ASGIApp:
        return error(413, "body_too_large", f"The request body is larger than {self.settings.max_body_bytes} bytes.")

    def _capped(self, receive: Receive, oversized: list[bool]) -> Receive:
        """The request body, cut off (and the response refused) once it passes the cap."""
        seen = [0]
        cap = self.settings.max_body_bytes

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > cap:
                    oversized[0] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        return counted


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1").strip())
    return None


def _request_id(scope: Scope) -> str:
    given = _header(scope, b"x-request-id") or ""
    return given if 8 <= len(given) <= 64 and all(c.isalnum() or c in "-_" for c in given) else uuid.uuid4().hex


def _client(scope: Scope, trust_proxy: bool) -> str:
    if trust_proxy:
        forwarded = _header(scope, b"x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
