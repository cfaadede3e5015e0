"""Load and soak test: many conversations at once against `mbcbot serve --workers 2`, on loopback, for a bounded time.

    python benchmarks/soak.py [--clients 100] [--seconds 60] [--warmup 5] [--write BENCHMARKS.md]

Starts the server (rate limit off, a fixed secret) on a free port, then runs
`--clients` clients at once, each holding multi-turn conversations over one
HTTP/1.1 keep-alive connection: it carries the state token from reply to
reply and checks every reply's kind and slides against the engine run
in-process. Every second it reads the resident memory (VmRSS) of the
server's process tree from /proc. After the warm-up and `--seconds` of
measured load it stops the clients and the server by itself.

Passes when there are no errors (a non-200, a transport error, a reply other
than the engine's, or a lost conversation) and the server's memory is flat:
the mean of the last ten seconds at most RSS_GROWTH above the mean of the
first ten. The p99 latency is reported against P99_BUDGET_MS but, on a shared
machine, does not fail the run. Exit 0 on a pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import write_section  # noqa: E402
from run import machine  # noqa: E402

from mbcbot.bot import Bot  # noqa: E402
from mbcbot.model import Session  # noqa: E402

HOST = "127.0.0.1"
SECRET = "soak-test-secret"  # fixed: every worker must read every other worker's state tokens
P99_BUDGET_MS = 250.0  # at 100 clients against 2 workers on a 2-core machine, clients included
RSS_GROWTH = 0.10  # "flat": the last window's mean RSS at most 10% above the first window's
WINDOW_SECONDS = 10  # the first and last windows compared (halved for runs shorter than 20 s)
REQUEST_TIMEOUT = 10.0  # seconds; a request slower than this counts as a transport error
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

# Conversations every client rotates through: follow-ups, commands, an emergency, personal advice, not covered.
CONVERSATIONS = (
    ("what happens if it spreads to the liver", "more", "next", "what are the symptoms", "back"),
    ("I can't breathe", "where can breast cancer spread", "more"),
    ("can I dye my hair during chemo", "bones", "more", "why does that happen"),
    ("hello", "topics", "slide 3", "next", "sources", "thanks"),
    ("should I stop my treatment", "brain", "and the lungs?", "more"),
    ("how is it treated", "next", "start over", "lymph nodes", "next", "goodbye"),
    ("my mum has chest pain and is coughing blood", "lungs", "what are the symptoms"),
    ("will i get better", "what is the weather today", "liver", "slide 8"),
)
Expected = tuple[tuple[str, tuple[int, ...]], ...]  # (kind, slides) of each turn


def expected_replies() -> list[Expected]:
    """Each conversation's replies as the engine gives them in-process: the server must give the same."""
    bot = Bot.load()
    found = []
    for conversation in CONVERSATIONS:
        session, turns = Session(), []
        for message in conversation:
            reply, session = bot.reply(message, session)
            turns.append((reply.kind, reply.slides))
        found.append(tuple(turns))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(workers: int) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A running `mbcbot serve` in a session of its own: its port and process; it and its workers stopped on exit."""
    port = free_port()
    env = {**os.environ, "MBCBOT_SECRET": SECRET, "MBCBOT_RATE_LIMIT": "0"}
    mbcbot = str(Path(sys.executable).with_name("mbcbot"))
    command = [mbcbot, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"mbcbot serve exited with {process.returncode} before answering")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"mbcbot serve did not answer within {START_TIMEOUT:.0f} s") from None
                time.sleep(0.2)
        yield port, process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group: uvicorn's workers
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])  # after "pid (comm) state": the comm may hold spaces
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def rss_kib(pid: int) -> int:
    """A process's resident set size in KiB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Tally:
    """What the clients saw: errors from the start, latencies and completions in the measured time."""

    started: float = 0.0  # monotonic time the measurement began; 0.0 during the warm-up
    latencies_ms: list[float] = field(default_factory=list)
    completed_at: list[float] = field(default_factory=list)  # seconds since `started`, one per good reply
    errors: dict[str, int] = field(default_factory=dict)
    first_error: str = ""

    def error(self, kind: str, detail: str) -> None:
        """Count an error, in the warm-up too."""
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.first_error = self.first_error or f"{kind}: {detail}"


class Connection:
    """One HTTP/1.1 keep-alive connection: POST a JSON body, read the status and the body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: dict[str, object]) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        body = json.dumps(payload).encode()
        head = f"POST {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nContent-Type: application/json\r\n"
        self.writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        headers: dict[bytes, bytes] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get(b"transfer-encoding") == b"chunked":
            content = b""
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                content += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readline()
        else:
            content = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        if headers.get(b"connection") == b"close":
            await self.close()
        return int(status_line.split()[1]), content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def next_state(status: int, content: bytes, expected: tuple[str, tuple[int, ...]]) -> tuple[str | None, str]:
    """The state token a reply carries, and what is wrong with the reply ("" when nothing is)."""
    if status != 200:
        return None, f"HTTP {status}"
    try:
        body = json.loads(content)
        got = (body["reply"]["kind"], tuple(body["reply"]["slides"]))
        state, reset = body["state"], body["state_reset"]
    except (ValueError, KeyError, TypeError):
        return None, "not the JSON contract"
    if reset:
        return None, "lost state"
    return (state, "") if got == expected and isinstance(state, str) else (None, "wrong reply")


async def client(number: int, port: int, expected: list[Expected], tally: Tally, stop_at: float) -> None:
    """Conversations one after another, each turn carrying the last reply's state, until `stop_at`."""
    connection = Connection(port)
    conversation = number % len(CONVERSATIONS)
    try:
        while time.monotonic() < stop_at:
            state: str | None = None
            for turn, message in enumerate(CONVERSATIONS[conversation]):
                if time.monotonic() >= stop_at:
                    return
                sent = time.monotonic()
                try:
                    status, content = await asyncio.wait_for(
                        connection.post("/api/v1/chat", {"message": message, "state": state}), REQUEST_TIMEOUT
                    )
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as failure:
                    tally.error("transport", f"{type(failure).__name__} {failure}")
                    await connection.close()
                    break
                elapsed = time.monotonic() - sent
                state, problem = next_state(status, content, expected[conversation][turn])
                if problem:
                    tally.error(problem, f"{message!r}: {content[:300].decode(errors='replace')}")
                    break
                if tally.started:
                    tally.latencies_ms.append(1000 * elapsed)
                    tally.completed_at.append(time.monotonic() - tally.started)
            conversation = (conversation + 1) % len(CONVERSATIONS)
    finally:
        await connection.close()


async def sample_rss(root: int, tally: Tally, samples: list[tuple[float, int, int]], stop_at: float) -> None:
    """Every second of the measured time: (seconds since start, KiB resident in the server's tree, processes)."""
    while time.monotonic() < stop_at:
        if tally.started:
            pids = process_tree(root)
            samples.append((time.monotonic() - tally.started, sum(rss_kib(pid) for pid in pids), len(pids)))
        await asyncio.sleep(1.0)


async def load(port: int, root: int, clients: int, warmup: float, seconds: float) -> tuple[Tally, list[tuple[float, int, int]]]:
    """Run the clients through the warm-up and the measured time; what they saw and the memory samples."""
    expected = expected_replies()
    tally = Tally()
    samples: list[tuple[float, int, int]] = []
    stop_at = time.monotonic() + warmup + seconds
    tasks = [asyncio.create_task(client(n, port, expected, tally, stop_at)) for n in range(clients)]
    await asyncio.sleep(warmup)
    tally.started = time.monotonic()
    sampler = asyncio.create_task(sample_rss(root, tally, samples, stop_at))
    await asyncio.wait([*tasks, sampler], timeout=seconds + REQUEST_TIMEOUT + 5)
    for task in (*tasks, sampler):
        task.cancel()
    for outcome in await asyncio.gather(*tasks, sampler, return_exceptions=True):
        if isinstance(outcome, Exception):
            tally.error("client crashed", f"{type(outcome).__name__} {outcome}")
    return tally, samples


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def verdict(met: bool) -> str:
    return "met" if met else "**MISSED**"


def report(clients: int, warmup: float, seconds: float, workers: int) -> tuple[list[str], bool]:
    """The soak table, as Markdown lines, and whether the run passed (no errors, memory flat)."""
    with server(workers) as (port, process):
        tally, samples = asyncio.run(load(port, process.pid, clients, warmup, seconds))
    window = min(WINDOW_SECONDS, seconds / 2)
    first = [kib for at, kib, _ in samples if at < window] or [samples[0][1]]
    last = [kib for at, kib, _ in samples if at >= seconds - window] or [samples[-1][1]]
    rss_first, rss_last = statistics.mean(first) / 1024, statistics.mean(last) / 1024
    growth = rss_last / rss_first - 1 if rss_first else float("inf")  # no memory at all: the server is gone
    rate_first = sum(1 for at in tally.completed_at if at < window) / window
    rate_last = sum(1 for at in tally.completed_at if at >= seconds - window) / window
    errors = sum(tally.errors.values())
    p50, p99 = percentile(tally.latencies_ms, 0.50), percentile(tally.latencies_ms, 0.99)
    flat = growth <= RSS_GROWTH
    broken_down = ", ".join(f"{kind} {count}" for kind, count in sorted(tally.errors.items()))
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {machine()}, with `python benchmarks/soak.py "
        f"--clients {clients} --seconds {seconds:g}`: `mbcbot serve --workers {workers}` on loopback, rate limit off; "
        f"{clients} clients at once, each holding conversations of 3 to 6 turns (follow-ups, commands, an emergency, "
        "personal advice, questions not covered) over one keep-alive connection, with no pause between turns; "
        f"{warmup:g} s of warm-up, then {seconds:g} s measured. Every reply is checked against the engine in-process; "
        "memory is the VmRSS of the server's whole process tree, read every second.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| replies | {len(tally.latencies_ms):,} = {len(tally.latencies_ms) / seconds:,.0f}/s | |",
        f"| replies/s, first {window:g} s -> last {window:g} s | {rate_first:,.0f} -> {rate_last:,.0f} | |",
        f"| latency p50 | {p50:.1f} ms | |",
        f"| latency p99 | {p99:.1f} ms | <= {P99_BUDGET_MS:.0f} ms: {verdict(p99 <= P99_BUDGET_MS)} |",
        f"| errors (non-200, transport, wrong reply, lost state) | {errors}{f' ({broken_down})' if errors else ''} "
        f"| 0: {verdict(errors == 0)} |",
        f"| server RSS, mean of first {window:g} s -> last {window:g} s ({samples[-1][2]} processes) "
        f"| {rss_first:.1f} -> {rss_last:.1f} MB ({growth:+.1%}) | growth <= {RSS_GROWTH:.0%}: {verdict(flat)} |",
    ]
    if tally.first_error:
        lines += ["", f"First error: {tally.first_error}"]
    return lines, errors == 0 and flat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=100, help="conversations at once (default 100)")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds, after the warm-up (default 60)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before measuring (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="also write the table into FILE between its markers")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds < 2 or args.warmup < 0:
        parser.error("--clients must be at least 1, --seconds at least 2, --warmup not negative")
    lines, passed = report(args.clients, args.warmup, args.seconds, args.workers)
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "soak", "Soak", lines)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
