"""Web settings, read once from the environment (documented in docs/embedding.md)."""

from __future__ import annotations

import os
from typing import NamedTuple


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


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Environment variable {name} has value {value!r}. Not a whole number.") from None


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"Environment variable {name} has value {value!r}. Not a valid boolean.")


def settings_from_environment(secret: str) -> WebSettings:
    """Settings from MBCBOT_* environment variables, with `secret` when MBCBOT_SECRET is unset."""
    origins = tuple(o.strip().rstrip("/") for o in os.environ.get("MBCBOT_CORS_ORIGINS", "").split(",") if o.strip())
    return WebSettings(
        secret=os.environ.get("MBCBOT_SECRET") or secret,
        state_max_age=_number("MBCBOT_STATE_MAX_AGE", WebSettings._field_defaults["state_max_age"]),
        rate_per_minute=_number("MBCBOT_RATE_LIMIT", WebSettings._field_defaults["rate_per_minute"]),
        rate_burst=_number("MBCBOT_RATE_BURST", WebSettings._field_defaults["rate_burst"]),
        cors_origins=origins,
        frame_ancestors=os.environ.get("MBCBOT_FRAME_ANCESTORS", "").strip() or "'none'",
        max_body_bytes=_number("MBCBOT_MAX_BODY_BYTES", WebSettings._field_defaults["max_body_bytes"]),
        trust_proxy=_flag("MBCBOT_TRUST_PROXY"),
        log_messages=_flag("MBCBOT_LOG_MESSAGES"),
    )
