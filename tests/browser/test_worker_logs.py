"""Every worker of a real `mbcbot serve` logs every request it answers, and never the words of a message.

uvicorn starts its workers as fresh processes, so each must set up logging itself: the service hands uvicorn
its logging configuration, which uvicorn applies in every worker. Each line names its process id, which tells
the workers apart; each worker announces its own ("Started server process [pid]").
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import TypeVar

import pytest

from .servers import HOST, free_port, health_url, post_json, serve, wait_until_healthy

MARKER = "quokkalantern"  # typed in every message: it must never reach the log
MESSAGES = (f"{MARKER} liver", f"what about the {MARKER} lungs", f"hello {MARKER}")
BATCH = 16  # requests sent at once, each on a connection of its own, so that every worker is handed some
MAX_BATCHES = 25
LOG_TIMEOUT = 5.0  # seconds for a worker to log a request it has answered
REQUEST_LINE = re.compile(r" INFO mbcbot\.web\[(\d+)\] request (\S+) POST /api/v1/chat 200 ")
WORKER_STARTED = re.compile(r"\[(\d+)\] Started server process \[(\d+)\]")
T = TypeVar("T")


@dataclass
class Served:
    url: str
    log: Path
    process: Popen[bytes]
    workers: int


@pytest.fixture(params=[1, 2], ids=["one-worker", "two-workers"])
def served(request: pytest.FixtureRequest, _no_deployment_settings: None, tmp_path: Path) -> Iterator[Served]:
    """`mbcbot serve --workers N` at the default log level, until the test ends."""
    port = free_port()
    log = tmp_path / "serve.log"
    with serve(port, log, secrets.token_urlsafe(32), workers=request.param) as process:
        wait_until_healthy(health_url(port), process, log)
        yield Served(f"http://{HOST}:{port}", log, process, request.param)


def chat(url: str, message: str) -> str:
    """One chat turn on a fresh connection; the X-Request-ID of its response."""
    body, headers = post_json(url + "/api/v1/chat", {"message": message, "state": None})
    assert body["state_reset"] is False
    return headers["x-request-id"]


def logged_requests(log: Path) -> dict[str, int]:
    """The request ids of the chat requests in the log, each with the process id that logged it."""
    return {request_id: int(pid) for pid, request_id in REQUEST_LINE.findall(log.read_text(encoding="utf-8"))}


def started_workers(log: Path) -> set[int]:
    """The process ids of the workers the log says were started, each announced from its own process."""
    started = WORKER_STARTED.findall(log.read_text(encoding="utf-8"))
    assert all(logged_by == announced for logged_by, announced in started), started
    return {int(pid) for pid, _ in started}


def eventually(read: Callable[[], T], done: Callable[[T], bool], timeout: float = LOG_TIMEOUT) -> T:
    """What `read` returns once `done` holds for it, or when the time runs out (a line is logged just after its response)."""
    deadline = time.monotonic() + timeout
    while not done(found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def logged_once(log: Path, request_ids: set[str]) -> dict[str, int]:
    """The chat requests in the log, once it holds every one of `request_ids`."""
    return eventually(lambda: logged_requests(log), lambda found: request_ids <= set(found))


def chat_until_every_worker_answered(served: Served) -> tuple[list[str], dict[str, int]]:
    """The request ids of batches of concurrent chat turns, sent until every worker has logged some; and the log's."""
    sent: list[str] = []
    logged: dict[str, int] = {}
    with ThreadPoolExecutor(BATCH) as clients:
        for _ in range(MAX_BATCHES):
            sent += clients.map(lambda n: chat(served.url, MESSAGES[n % len(MESSAGES)]), range(BATCH))
            logged = logged_once(served.log, set(sent))
            if len(set(logged.values())) >= served.workers:
                break
    return sent, logged


def test_every_worker_logs_every_request_it_answers_without_the_message(served: Served) -> None:
    workers = eventually(lambda: started_workers(served.log), lambda found: len(found) >= served.workers)
    assert len(workers) == served.workers, served.log.read_text(encoding="utf-8")
    if served.workers == 1:
        assert workers == {served.process.pid}  # one worker runs in the process that was started
    else:
        assert served.process.pid not in workers  # the process that was started only supervises its workers
    sent, logged = chat_until_every_worker_answered(served)
    log = served.log.read_text(encoding="utf-8")
    assert set(sent) <= set(logged), f"requests answered but not logged:\n{log}"
    assert set(logged.values()) == workers, log  # a request line from each worker, and from no other process
    assert MARKER not in log
