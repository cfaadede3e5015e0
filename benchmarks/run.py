"""Benchmarks: reply latency in-process, and cold start against importing the core libraries.

    python benchmarks/run.py [--runs 5] [--write BENCHMARKS.md]

Figures are medians over several runs; every comparison is a ratio measured
in the same run. Benchmarks never fail: they measure and report.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from questionset import cases_in  # noqa: E402

from mbcbot.bot import Bot  # noqa: E402
from mbcbot.model import Session  # noqa: E402

QUESTION_FILES = sorted((ROOT / "tests" / "questions").glob("*.yaml"))


def questions() -> list[str]:
    """Every single question and conversation turn of the project's question sets."""
    found = []
    for path in QUESTION_FILES:
        for case in cases_in(path):
            found += [turn["q"] for turn in case.get("turns", [case])]
    return found


def reply_latency(bot: Bot, messages: list[str], rounds: int) -> tuple[float, float]:
    """Median and 99th percentile milliseconds per reply, each message in a fresh session."""
    for message in messages:  # warm up caches once, as a long-running server would be
        bot.reply(message, Session())
    timings = []
    for _ in range(rounds):
        for message in messages:
            started = time.perf_counter_ns()
            bot.reply(message, Session())
            timings.append((time.perf_counter_ns() - started) / 1e6)
    timings.sort()
    return statistics.median(timings), timings[int(0.99 * (len(timings) - 1))]


def wall_seconds(command: list[str], runs: int) -> float:
    """Median wall time of a command."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def machine() -> str:
    """A one-line description of this machine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=11, help="runs of each cold-start command (default 11)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over the question set (default 5)")
    args = parser.parse_args(argv)
    python = sys.executable
    mbcbot = str(Path(python).with_name("mbcbot"))
    bot = Bot.load()
    messages = questions()
    p50, p99 = reply_latency(bot, messages, args.rounds)
    baseline = wall_seconds([python, "-c", "import yaml, rapidfuzz"], args.runs)
    cold = wall_seconds([mbcbot, "ask", "liver"], args.runs)
    print(f"machine: {machine()}")
    print(
        f"reply latency over {len(messages)} messages x {args.rounds}: p50 {p50:.3f} ms, p99 {p99:.3f} ms (target p50 <= 0.2 ms)"
    )
    print(
        f"cold start: mbcbot ask liver {1000 * cold:.0f} ms; python -c 'import yaml, rapidfuzz' {1000 * baseline:.0f} ms; ratio {cold / baseline:.2f}x (target <= 1.5x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
