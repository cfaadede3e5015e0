"""Run the web service with uvicorn (uvicorn lives here and nowhere else)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from mbcbot.bot import EMERGENCY_ENV, KNOWLEDGE_ENV, Bot
from mbcbot.web.connections import GuardedConnection, Limits
from mbcbot.web.settings import METRICS_FOLDER_ENV, WebSettings, settings_from_environment
from mbcbot.web.state import new_secret

SECRET_ENV = "MBCBOT_SECRET"
SPARE_FILES = 64  # file descriptors a worker keeps for its own files and logs, beyond its connections
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d] %(message)s"  # the process id tells the workers apart


class GuardedHttp(GuardedConnection):
    """The HTTP protocol of every worker, behind the connection guard, with the limits its settings give."""

    def __init__(self, **settings: Any) -> None:
        if not hasattr(GuardedHttp, "limits"):  # a worker's first connection
            from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

            from mbcbot.web.guard import security_headers  # with the app: the metrics library only once its folder is set

            web = settings_from_environment(os.environ.get(SECRET_ENV, ""))
            GuardedHttp.setup(HttpToolsProtocol, connection_limits(web), security_headers(web))
        super().__init__(**settings)


def connection_limits(settings: WebSettings) -> Limits:
    """The connection limits of the settings, the connections capped below the file descriptors a worker may open
    (so a flood of connections is refused one by one, never by running out of descriptors)."""
    files, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    connections = settings.max_connections
    if files != resource.RLIM_INFINITY:
        connections = max(1, min(connections, files - SPARE_FILES))
    return Limits(settings.max_header_bytes, Limits().header_lines, float(settings.request_timeout), connections)


def log_config(level: str) -> dict[str, Any]:
    """Logging for uvicorn to apply in every process it starts: our loggers and its own, one line format, on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"lines": {"format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "lines", "stream": "ext://sys.stderr"}},
        "loggers": {
            "mbcbot": {"level": level.upper()},
            "uvicorn": {"level": level.upper()},  # its lines pass on to the root's handler, in the same format
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
    }


def app_from_environment() -> Any:
    """The application as a worker process builds it: settings and knowledge from the environment."""
    from mbcbot.web.app import create_app

    return create_app(Bot.load().settled(), settings_from_environment(new_secret()))


def serve(host: str, port: int, workers: int, knowledge: str | None, emergency_number: str | None, log_level: str) -> int:
    """Serve until interrupted; every worker shares the secret, so any worker can answer any turn."""
    import uvicorn

    if knowledge:
        os.environ[KNOWLEDGE_ENV] = os.path.abspath(knowledge)
    if emergency_number:
        os.environ[EMERGENCY_ENV] = emergency_number
    if not os.environ.get(SECRET_ENV):
        os.environ[SECRET_ENV] = new_secret()
        print(
            f"mbcbot: warning: {SECRET_ENV} is not set; using a secret made for this run, so conversations "
            "will not survive a restart and other machines cannot continue them",
            file=sys.stderr,
        )
    try:
        settings = settings_from_environment(os.environ[SECRET_ENV])  # refuse a bad setting, before any worker starts
    except ValueError as error:
        print(f"mbcbot: {error}", file=sys.stderr)
        return 2
    Bot.load()  # refuse to start on knowledge that cannot be served, before any worker starts
    with metrics_folder(settings.metrics):
        _run(uvicorn, host, port, workers, log_level)
    return 0


@contextlib.contextmanager
def metrics_folder(metrics: bool) -> Iterator[None]:
    """With metrics on, a fresh private folder where every worker writes its counts (prometheus-client's multiprocess
    mode, which reads it from the environment when first imported: so before any worker starts); removed after,
    also when stopped by SIGTERM."""
    if not metrics:
        yield
        return
    stopping = signal.signal(signal.SIGTERM, _stopped)
    try:
        with tempfile.TemporaryDirectory(prefix="mbcbot-metrics-") as folder:
            os.environ[METRICS_FOLDER_ENV] = folder
            yield
    finally:
        os.environ.pop(METRICS_FOLDER_ENV, None)
        signal.signal(signal.SIGTERM, stopping)


def _stopped(signal_number: int, frame: object) -> None:
    """On SIGTERM, which uvicorn raises again once it has stopped serving: `serve` ends through its cleanups."""
    raise SystemExit(128 + signal_number)


def _run(uvicorn: Any, host: str, port: int, workers: int, log_level: str) -> None:
    """uvicorn serving the application of `app_from_environment` in `workers` processes, until interrupted."""
    uvicorn.run(
        "mbcbot.web.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="mbcbot.web.server:GuardedHttp",
        proxy_headers=False,  # the guard reads X-Forwarded-For itself, as MBCBOT_TRUST_PROXY says
        access_log=False,  # the guard logs each request, without its words
        log_config=log_config(log_level),  # applied in every worker process, not only in this one
        log_level=log_level,
        server_header=False,
    )
