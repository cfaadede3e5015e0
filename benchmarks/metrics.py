"""What counting costs: POST /api/v1/chat with MBCBOT_METRICS off and on, the same server otherwise.

    python benchmarks/metrics.py [--seconds 8] [--connections 32] [--rounds 7] [--write BENCHMARKS.md]

Over the network: three `mbcbot serve --workers 1` on loopback, metrics off, on (each worker writing its counts to
the folder `serve` makes, as in production) and off again, loaded in turn with wrk, round after round. "on / off" is
the median of the ratios of runs made back to back; the second server with metrics off gives the same ratio for two
identical servers, which is how far apart this machine puts them. In-process: chat requests called straight through
the application, metrics off and on (in prometheus-client's multiprocess mode), in alternating batches: the time each
request takes, without the network or wrk on the same cores. The target is at least 95% of the throughput without
metrics. Needs Debian's `wrk` (see benchmarks/web.py): without it, it exits 2, writing nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import write_section
from run import machine
from web import MESSAGES, chat_script, median, server, wrk

TARGET = 0.95  # chat requests/s with metrics on, as a share of those with them off
SETTINGS = {"off": {"MBCBOT_METRICS": "0"}, "on": {"MBCBOT_METRICS": "1"}, "off again": {"MBCBOT_METRICS": "0"}}
BATCH = 2000  # in-process requests timed together
FOLDER_ENV = "PROMETHEUS_MULTIPROC_DIR"


def measured(seconds: int, connections: int, rounds: int) -> tuple[dict[str, dict[str, float]], dict[str, float], int]:
    """Each server's median figures, the median ratio to the first server of runs back to back, and the replies the
    server with metrics on counted."""
    with chat_script() as script, server(1, SETTINGS["off"]) as off, server(1, SETTINGS["on"]) as on:
        with server(1, SETTINGS["off again"]) as again:
            bases = dict(zip(SETTINGS, (off, on, again), strict=True))
            for base in bases.values():
                wrk(base, 2, connections, script)  # warm up
            runs = [{name: wrk(base, seconds, connections, script) for name, base in bases.items()} for _ in range(rounds)]
        counted = _replies_counted(on)
    figures = {name: median([run[name] for run in runs]) for name in SETTINGS}
    ratios = {name: statistics.median(run[name]["rate"] / run["off"]["rate"] for run in runs) for name in SETTINGS}
    return figures, ratios, counted


def _replies_counted(base: str) -> int:
    """The sum of mbcbot_replies_total in the server's /metrics: the metrics were counting all along."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    return round(sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("mbcbot_replies_total{")))


def in_process(rounds: int) -> dict[str, float]:
    """Microseconds per chat request with metrics off and on, batches alternating, each setting's median."""
    with tempfile.TemporaryDirectory(prefix="mbcbot-metrics-") as folder:
        os.environ[FOLDER_ENV] = folder  # before prometheus-client is first imported, as `serve` does
        try:
            return asyncio.run(_timed(folder, rounds))
        finally:
            os.environ.pop(FOLDER_ENV)


async def _timed(folder: str, rounds: int) -> dict[str, float]:
    from mbcbot.bot import Bot
    from mbcbot.web.app import create_app
    from mbcbot.web.settings import WebSettings

    bot = Bot.load().settled()
    off = WebSettings(secret="benchmark", rate_per_minute=0)
    apps = {"off": create_app(bot, off), "on": create_app(bot, off._replace(metrics=True, metrics_folder=folder))}
    times: dict[str, list[float]] = {name: [] for name in apps}
    for round_number in range(rounds + 1):
        for name, app in apps.items():
            started = time.perf_counter()
            for n in range(BATCH):
                await _chat(app, MESSAGES[n % len(MESSAGES)])
                if n % 100 == 0:
                    await asyncio.sleep(0)  # the event loop runs its timers, as a server's does: the counts are written
            if round_number:  # the first round warms up
                times[name].append((time.perf_counter() - started) / BATCH * 1e6)
    return {name: statistics.median(each) for name, each in times.items()}


async def _chat(app: Any, message: str) -> None:
    """One chat request through the application, as uvicorn would make it."""
    body = json.dumps({"message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "method": "POST", "path": "/api/v1/chat", "raw_path": b"/api/v1/chat", "query_string": b""}
    scope |= {"headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "scheme": "http"}
    parts = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return parts.pop() if parts else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        pass

    await app({**scope, "http_version": "1.1", "root_path": ""}, receive, send)


def report(seconds: int, connections: int, rounds: int) -> list[str]:
    """The metrics benchmark tables, as Markdown lines."""
    figures, ratios, counted = measured(seconds, connections, rounds)
    each = in_process(rounds)
    share = each["off"] / each["on"]
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {machine()}, with "
        f"`python benchmarks/metrics.py --seconds {seconds} --connections {connections} --rounds {rounds}`. Over the "
        f"network: wrk, 2 threads, {connections} connections, {seconds} s per run, on loopback, rate limit off; three "
        f"`mbcbot serve --workers 1` (metrics off, on, and off again) loaded in turn for {rounds} rounds. The figures are "
        "medians (errors: the sum); the last column is the median of the ratios to the first server of runs made back to "
        f"back. Chat rotates through: {'; '.join(repr(m) for m in MESSAGES)}. The server with metrics on counted "
        f"{counted:,} replies.",
        "",
        "| metrics | requests/s | p50 | p99 | errors | / off |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in figures.items():
        shown = "" if name == "off" else f"{ratios[name]:.1%}"
        shown = f"**{shown}** (target >= {TARGET:.0%}: {_verdict(ratios[name])})" if name == "on" else shown
        lines.append(
            f"| {name} | {row['rate']:,.0f} | {row['p50']:.1f} ms | {row['p99']:.1f} ms | {row['errors']:.0f} | {shown} |"
        )
    lines += [
        "",
        f"In-process, {rounds} alternating batches of {BATCH:,} chat requests called straight through the application "
        f"(medians): {each['off']:.1f} µs per request with metrics off, {each['on']:.1f} µs with them on "
        f"(+{each['on'] - each['off']:.1f} µs): **{share:.1%}** of the throughput (target >= {TARGET:.0%}: {_verdict(share)}).",
    ]
    return lines


def _verdict(ratio: float) -> str:
    return "met" if ratio >= TARGET else "not met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=7, help="runs of each server, batches of each setting (default 7)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="also write the tables into FILE between its markers")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("benchmarks/metrics.py: wrk is not installed (apt-get install wrk; make bench installs it)", file=sys.stderr)
        return 2
    lines = report(args.seconds, args.connections, args.rounds)
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "metrics", "Metrics cost (issue #16)", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
