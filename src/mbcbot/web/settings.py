"""Web settings, read once from the environment with Starlette's Config (documented in docs/embedding.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from starlette.config import Config

METRICS_FOLDER_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's: where each worker process writes its counts


class WebSettings(NamedTuple):
    """How the web service runs; every field has a safe default."""

    secret: str
    state_max_age: int = 2 * 60 * 60  # a conversation resumes within two hours
    rate_per_minute: int = 60  # per client address and worker; 0 turns the limit off
    rate_burst: int = 20
    cors_origins: tuple[str, ...] = ()
    frame_ancestors: str = "'none'"
    max_body_bytes: int = 16 * 1024  # a message is at most a few kilobytes of JSON
    proxy_hops: int = 0  # proxies of your own in front (MBCBOT_TRUST_PROXY): the client is the address the last one saw
    log_messages: bool = False  # an operator's explicit opt-in to logging what people type
    max_header_bytes: int = 16 * 1024  # a request line and its headers together
    request_timeout: int = 10  # seconds for a request to arrive whole, from its connection or the last response
    max_connections: int = 512  # open at once per worker
    metrics: bool = False  # GET /metrics, counts without words (MBCBOT_METRICS); off, the address is not served
    metrics_folder: str = ""  # where the workers of a `serve` keep their counts (set by serve); "" in one process


def settings_from_environment(secret: str, environ: Mapping[str, str] = os.environ) -> WebSettings:
    """Settings from MBCBOT_* variables, with `secret` when MBCBOT_SECRET is unset; ValueError names a bad one.

    Numbers are whole numbers; switches are true, false, 1 or 0. MBCBOT_TRUST_PROXY is a switch or the number of
    proxies of your own in front of the service (true is one).
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
        proxy_hops=_hops(config("MBCBOT_TRUST_PROXY", default="0")),
        log_messages=config("MBCBOT_LOG_MESSAGES", cast=bool, default=defaults.log_messages),
        max_header_bytes=config("MBCBOT_MAX_HEADER_BYTES", cast=int, default=defaults.max_header_bytes),
        request_timeout=config("MBCBOT_REQUEST_TIMEOUT", cast=int, default=defaults.request_timeout),
        max_connections=config("MBCBOT_MAX_CONNECTIONS", cast=int, default=defaults.max_connections),
        metrics=config("MBCBOT_METRICS", cast=bool, default=defaults.metrics),
        metrics_folder=config(METRICS_FOLDER_ENV, default=""),
    )


MAX_HOPS = 9  # proxies of one's own in a row: more is a mistake


def _hops(value: str) -> int:
    """The number of trusted proxies MBCBOT_TRUST_PROXY names; ValueError in the words of the other settings."""
    switch = {"true": 1, "false": 0}.get(value.strip().lower())
    if switch is not None:
        return switch
    if value.strip().isdecimal() and int(value) <= MAX_HOPS:
        return int(value)
    raise ValueError(f"Config 'MBCBOT_TRUST_PROXY' has value '{value}'. Not a valid bool or number of proxies (0-{MAX_HOPS}).")
