"""Web settings, read once from the environment with Starlette's Config (documented in docs/embedding.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from starlette.config import Config


class WebSettings(NamedTuple):
    """How the web service runs; every field has a safe default."""

    secret: str
    state_max_age: int = 2 * 60 * 60  # a conversation resumes within two hours
    rate_per_minute: int = 60  # per client address and worker; 0 turns the limit off
    rate_burst: int = 20
    cors_origins: tuple[str, ...] = ()
    frame_ancestors: str = "'none'"
    max_body_bytes: int = 16 * 1024  # a message is at most a few kilobytes of JSON
    trust_proxy: bool = False  # read the client address from X-Forwarded-For (behind a reverse proxy only)
    log_messages: bool = False  # an operator's explicit opt-in to logging what people type


def settings_from_environment(secret: str, environ: Mapping[str, str] = os.environ) -> WebSettings:
    """Settings from MBCBOT_* variables, with `secret` when MBCBOT_SECRET is unset; ValueError names a bad one.

    Numbers are whole numbers; switches are true, false, 1 or 0.
    """
    config = Config(environ=environ)
    defaults = WebSettings(secret)
    origins = config("MBCBOT_CORS_ORIGINS", default="").split(",")
    return WebSettings(
        secret=config("MBCBOT_SECRET", default="") or secret,
        state_max_age=config("MBCBOT_STATE_MAX_AGE", cast=int, default=defaults.state_max_age),
        rate_per_minute=config("MBCBOT_RATE_LIMIT", cast=int, default=defaults.rate_per_minute),
        rate_burst=config("MBCBOT_RATE_BURST", cast=int, default=defaults.rate_burst),
        cors_origins=tuple(origin.strip().rstrip("/") for origin in origins if origin.strip()),
        frame_ancestors=config("MBCBOT_FRAME_ANCESTORS", default="").strip() or defaults.frame_ancestors,
        max_body_bytes=config("MBCBOT_MAX_BODY_BYTES", cast=int, default=defaults.max_body_bytes),
        trust_proxy=config("MBCBOT_TRUST_PROXY", cast=bool, default=defaults.trust_proxy),
        log_messages=config("MBCBOT_LOG_MESSAGES", cast=bool, default=defaults.log_messages),
    )
