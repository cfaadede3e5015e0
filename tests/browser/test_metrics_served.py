"""GET /metrics of a real `mbcbot serve` with MBCBOT_METRICS=1: the counts of every worker, summed.

Each worker process writes its counts to a file of a folder `serve` makes for the run (prometheus-client's
multiprocess mode); whichever worker answers GET /metrics reads them all. Chat turns go out on fresh connections
until the log shows that every worker answered some (each line names its process id), and the totals must be
exactly what was sent, with no word of any message, address or header in them. The folder is gone once the
server stops.
"""

from __future__ import annotations

import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

from .servers import HOST, REQUEST_TIMEOUT, free_port, health_url, post_json, serve, wait_until_healthy

MARKER = "quokkazebra"  # typed in messages, addresses and headers: it must never reach the metrics
MESSAGES = (  # a message, and the kind and rule of its reply
    (f"{MARKER}, what happens if it spreads to the liver", "answer", "match"),
    (f"{MARKER}. I want to end my life", "emergency", "emergency:self-harm"),
    (f"{MARKER}: what about hair loss", "fallback", "not-covered"),
    (f"hello {MARKER}", "greeting", "intent:greeting"),
)
BATCH = 16  # turns sent at once, each on a connection of its own, so that every worker is handed some
MAX_BATCHES = 25
REQUEST_LINE = re.compile(r" INFO mbcbot\.web\[(\d+)\] request \S+ POST /api/v1/chat 200 ")
FOLDER_PREFIX = "mbcbot-metrics-"
T = TypeVar("T")


def eventually(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 5.0) -> T:
    """What `read` returns once `done` holds for it, or when the time runs out (a line is logged just after its response)."""
    deadline = time.monotonic() + timeout
    while not done(found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def answering_workers(log: Path) -> list[int]:
    """The process id of each worker that logged a chat turn, one entry per turn."""
    return [int(pid) for pid in REQUEST_LINE.findall(log.read_text(encoding="utf-8"))]


def answered_once_logged(log: Path, turns: int) -> list[int]:
    """The process ids of `answering_workers`, once the log holds all of `turns` turns."""
    return eventually(lambda: answering_workers(log), lambda found: len(found) >= turns)


def turn(url: str, n: int) -> tuple[str, str]:
    """One chat turn, on a fresh connection: the kind and rule of its reply."""
    message, kind, rule = MESSAGES[n % len(MESSAGES)]
    body, _ = post_json(url + "/api/v1/chat", {"message": message, "state": None})
    reply = body["reply"]
    assert isinstance(reply, dict) and (reply["kind"], reply["rule"]) == (kind, rule), reply
    return kind, rule


def turns_until_every_worker_answered(url: str, log: Path, workers: int) -> list[tuple[str, str]]:
    """Batches of concurrent chat turns, until the log shows every worker answered some; the kind and rule of each."""
    sent: list[tuple[str, str]] = []
    with ThreadPoolExecutor(BATCH) as clients:
        for _ in range(MAX_BATCHES):
            sent += clients.map(lambda n: turn(url, n), range(BATCH))
            if len(set(answered_once_logged(log, len(sent)))) >= workers:
                break
    assert len(set(answering_workers(log))) == workers, log.read_text(encoding="utf-8")
    return sent


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """The status and body of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read().decode()


Key = tuple[str, frozenset[tuple[str, str]]]


def key(name: str, **labels: str) -> Key:
    """A sample's name and labels, as `counts` keys it."""
    return name, frozenset(labels.items())


def counts(text: str) -> dict[Key, float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.parametrize("workers", [2, 1], ids=["two-workers", "one-worker"])
def test_metrics_sum_every_workers_counts_without_a_word(
    workers: int, _no_deployment_settings: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"  # where `serve` makes its metrics folder
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    port, log = free_port(), tmp_path / "serve.log"
    url = f"http://{HOST}:{port}"
    with serve(port, log, secrets.token_urlsafe(32), workers=workers, metrics="1") as process:
        wait_until_healthy(health_url(port), process, log)
        sent = turns_until_every_worker_answered(url, log, workers)
        headers = {"User-Agent": MARKER, "X-Forwarded-For": MARKER, "X-Request-ID": f"{MARKER}-request"}
        assert get(f"{url}/{MARKER}?{MARKER}=1", headers)[0] == 404
        assert get(f"{url}/api/v1/topics?q={MARKER}", headers)[0] == 200
        (folder,) = temporary.glob(f"{FOLDER_PREFIX}*")
        files = {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("*.db")}
        assert files == set(answering_workers(log)), "each worker writes a file of its own"
        # each worker writes what it counted once the requests ready at that moment are answered
        chats = key("mbcbot_http_requests_total", route="/api/v1/chat", status="200")
        scraped = eventually(lambda: get(f"{url}/metrics?{MARKER}", headers), lambda got: counts(got[1]).get(chats) == len(sent))
    assert not list(temporary.iterdir()), "the metrics folder outlived the server"
    status, text = scraped
    assert status == 200 and MARKER not in text
    found = counts(text)
    assert found[chats] == len(sent)
    for _, kind, rule in MESSAGES:
        assert found[key("mbcbot_replies_total", kind=kind, rule=rule)] == sent.count((kind, rule))
    assert found[key("mbcbot_http_requests_total", route="other", status="404")] == 1
    crises = sent.count(("emergency", "emergency:self-harm"))
    assert found[key("mbcbot_emergencies_total", rule="self-harm", crisis="true")] == crises
    assert found[key("mbcbot_not_covered_total", topic="hair-loss-and-wigs")] == sent.count(("fallback", "not-covered"))
    liver = key("mbcbot_slides_answered_total", pack="metastatic-breast-cancer", slide="5")
    assert found[liver] == sent.count(("answer", "match"))
