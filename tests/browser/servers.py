"""Processes the browser tests start, each bounded in time and always stopped: `mbcbot serve` and nginx."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 20.0  # seconds for a server to answer /healthz
STOP_TIMEOUT = 10.0  # seconds for a process to stop on SIGTERM before it is killed
REQUEST_TIMEOUT = 10.0


def free_port() -> int:
    """A loopback port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = START_TIMEOUT) -> None:
    """Return once `url` answers 200; fail with the process's log if it exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before {url} answered:\n{_tail(log)}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1.0) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{_tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and everything it started: SIGTERM, then SIGKILL."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
    # The group may outlive its leader (uvicorn's worker processes): kill whatever is left of it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def started(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run `args` in a session of its own (output to `log`) until the block ends; stopped even on failure."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        yield process
    finally:
        stop(process)


def serve(
    port: int, log: Path, secret: str, workers: int = 1, **settings: str
) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    """`mbcbot serve` on 127.0.0.1:`port` with the rate limit off and MBCBOT_* `settings` (e.g. trust_proxy="1").

    It is started, not yet ready: wait for it with `wait_until_healthy(health_url(port), ...)`.
    """
    env = {**os.environ, "MBCBOT_SECRET": secret, "MBCBOT_RATE_LIMIT": "0", "PYTHONUNBUFFERED": "1"}
    env.update({f"MBCBOT_{name.upper()}": value for name, value in settings.items()})
    args = [sys.executable, "-m", "mbcbot", "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    return started(args, log, env)


def health_url(port: int) -> str:
    return f"http://{HOST}:{port}/healthz"


def wait_for_text(log: Path, text: str, timeout: float = 5.0) -> str:
    """The log's content once it holds `text` (a server logs a request just after answering it)."""
    deadline = time.monotonic() + timeout
    while True:
        content = log.read_text(encoding="utf-8", errors="replace")
        if text in content or time.monotonic() >= deadline:
            return content
        time.sleep(0.05)


def post_json(url: str, body: dict[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """POST `body` as JSON; the parsed reply and its headers (lower-cased names)."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return dict(json.load(response)), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as failure:
        raise AssertionError(f"POST {url} answered {failure.code}: {failure.read()[:500]!r}") from None


def _tail(log: Path, size: int = 4000) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-size:]
    except OSError:
        return "(no log)"
