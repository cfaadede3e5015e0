"""HTTP benchmark: POST /api/v1/chat against GET /healthz on the same server, in the same run.

    python benchmarks/web.py [--seconds 10] [--connections 32] [--write BENCHMARKS.md]

Starts `mbcbot serve` on loopback with one worker, then two, and loads it with
wrk for a bounded time; stops everything by itself. Needs Debian's `wrk`
(`apt-get install wrk`; `make bench` installs it): without it, it says so and
exits 2, writing nothing, so a table once measured is never replaced by a skip.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import write_section  # noqa: E402

MESSAGES = ["what happens if it spreads to the liver", "can it cause seizures", "weight loss", "how is it treated"]
POST_SCRIPT = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/api/v1/chat", {["Content-Type"] = "application/json"}, bodies[(i %% #bodies) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(workers: int, settings: dict[str, str] | None = None) -> Iterator[str]:
    """A running `mbcbot serve` on loopback, with MBCBOT_* `settings`; stopped on exit, whatever happens."""
    port = free_port()
    env = {**os.environ, "MBCBOT_SECRET": "benchmark", "MBCBOT_RATE_LIMIT": "0", **(settings or {})}
    mbcbot = str(Path(sys.executable).with_name("mbcbot"))
    command = [mbcbot, "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(base: str, seconds: float = 30) -> None:
    """Returns once the server answers /healthz; RuntimeError when it does not within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"mbcbot serve did not answer {base}/healthz within {seconds:.0f} s")


def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> dict[str, float]:
    """Requests per second, p50/p99 latency (ms) and errors from one bounded wrk run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    return {"rate": rate, "p50": _ms(output, "50%"), "p99": _ms(output, "99%"), "errors": errors}


def _ms(output: str, label: str) -> float:
    found = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", output)
    if not found:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def median(rows: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the runs (errors summed)."""
    middle = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    return {**middle, "errors": sum(row["errors"] for row in rows)}


Figures = tuple[dict[str, float], dict[str, float], float]  # healthz, chat (medians), median chat / healthz


def measured(workers: int, seconds: int, connections: int, repeats: int, script: str) -> Figures:
    """healthz and chat on one server, runs alternating; each ratio is of a pair of runs made back to back."""
    with server(workers) as base:
        wrk(f"{base}/healthz", 2, connections)  # warm up
        wrk(base, 2, connections, script)
        runs = [(wrk(f"{base}/healthz", seconds, connections), wrk(base, seconds, connections, script)) for _ in range(repeats)]
    health, chat = (median([run[i] for run in runs]) for i in (0, 1))
    return health, chat, statistics.median(pair[1]["rate"] / pair[0]["rate"] for pair in runs)


@contextmanager
def chat_script() -> Iterator[str]:
    """A wrk script that POSTs the chat MESSAGES in turn; removed on exit."""
    bodies = ", ".join(f'[[{{"message": "{m}"}}]]' for m in MESSAGES)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(POST_SCRIPT % bodies)
    try:
        yield handle.name
    finally:
        os.unlink(handle.name)


def report(seconds: int, connections: int, repeats: int = 5) -> list[str]:
    """The web benchmark table, as Markdown lines."""
    with chat_script() as script:
        figures = {workers: measured(workers, seconds, connections, repeats, script) for workers in (1, 2)}
    lines = [
        f"wrk, 2 threads, {connections} connections, {seconds} s per run, on loopback; rate limit off. "
        f"healthz and chat runs alternate, {repeats} of each per server; the figures are medians (errors: the sum), "
        "and chat / healthz is the median of the ratios of runs made back to back. "
        f"Chat rotates through: {'; '.join(repr(m) for m in MESSAGES)}.",
        "",
        "| workers | endpoint | requests/s | p50 | p99 | errors | chat / healthz |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for workers, (health, chat, ratio) in figures.items():
        for name, row, shown in (("GET /healthz", health, ""), ("POST /api/v1/chat", chat, f"**{ratio:.0%}**")):
            lines.append(
                f"| {workers} | `{name}` | {row['rate']:,.0f} | {row['p50']:.1f} ms | {row['p99']:.1f} ms | {row['errors']:.0f} | {shown} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each endpoint per server (default 5)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="also write the table into FILE between its markers")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("benchmarks/web.py: wrk is not installed (apt-get install wrk; make bench installs it)", file=sys.stderr)
        return 2
    lines = report(args.seconds, args.connections, args.repeats)
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "web", "Web API", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
