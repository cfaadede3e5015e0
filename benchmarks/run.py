"""Benchmarks: reply latency in-process, and cold start against importing the core libraries.

    python benchmarks/run.py [--runs 11] [--rounds 5] [--write BENCHMARKS.md]

Figures are medians over several runs; every comparison is a ratio measured
in the same run. Benchmarks never fail: they measure and report.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from questionset import cases_in, scored  # noqa: E402
from report import write_section  # noqa: E402

from mbcbot.bot import Bot  # noqa: E402
from mbcbot.model import Session  # noqa: E402
from mbcbot.replaying import replay_all  # noqa: E402
from mbcbot.transcripts import load_transcript, replayed, transcript_files  # noqa: E402

QUESTIONS = ROOT / "tests" / "questions"
BATCH = 1_000  # questions piped to one `mbcbot ask --json` to tell the cost of one more
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"


def questions() -> list[str]:
    """Every single question and conversation turn of the project's question sets."""
    found = []
    for path in sorted(QUESTIONS.glob("*.yaml")):
        for case in cases_in(path):
            found += [turn["q"] for turn in case.get("turns", [case])]
    return found


def reply_latency(bot: Bot, messages: list[str], rounds: int) -> tuple[float, float, float]:
    """Per reply, in ms: p50 and p99 of every timing, and p50 of each message's best of `rounds` (as timeit does)."""
    for message in messages:  # warm up once, as a long-running server would be
        bot.reply(message, Session())
    timings: list[float] = []
    best = [float("inf")] * len(messages)
    for _ in range(rounds):
        for index, message in enumerate(messages):
            started = time.perf_counter_ns()
            bot.reply(message, Session())
            elapsed = (time.perf_counter_ns() - started) / 1e6
            timings.append(elapsed)
            best[index] = min(best[index], elapsed)
    timings.sort()
    return statistics.median(timings), timings[int(0.99 * (len(timings) - 1))], statistics.median(best)


def replay_speed(bot: Bot, runs: int) -> tuple[float, float, int, int]:
    """Turns per second replaying the transcript suite in-process: parsed once, and with the files read each run."""
    suite = [ROOT / "transcripts"]
    transcripts = [t for t in (load_transcript(path)[0] for path in transcript_files(suite)) if t is not None]
    turns = sum(len(t.turns) for t in transcripts)
    replay_rates, end_to_end = [], []
    for _ in range(runs):
        started = time.perf_counter()
        for transcript in transcripts:
            replayed(bot, transcript)
        replay_rates.append(turns / (time.perf_counter() - started))
        started = time.perf_counter()
        replay_all(bot, suite)
        end_to_end.append(turns / (time.perf_counter() - started))
    return statistics.median(replay_rates), statistics.median(end_to_end), turns, len(transcripts)


def wall_seconds(command: list[str], runs: int, env: dict[str, str] | None = None, given: bytes = b"") -> float:
    """Median wall time of a command (`given` on its standard input)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env, input=given)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def chat_idle_memory(mbcbot: str, env: dict[str, str], settle: float = 3.0) -> tuple[float, float]:
    """RSS and peak RSS (MB) of `mbcbot chat` at a terminal (a pseudo-terminal), idle at its prompt."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([mbcbot, "chat"], stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    try:
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:  # drain what it prints, so it never blocks on a full terminal
            ready = select.select([leader], [], [], 0.1)[0]
            if ready:
                try:
                    os.read(leader, 65536)
                except OSError:
                    break
        status = Path(f"/proc/{process.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    finally:
        process.kill()
        process.wait(timeout=10)
        os.close(leader)


def machine() -> str:
    """A one-line description of this machine."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def report(runs: int, rounds: int) -> list[str]:
    """The benchmark tables, as Markdown lines."""
    python = sys.executable
    mbcbot = str(Path(python).with_name("mbcbot"))
    compileall.compile_dir(str(ROOT / "src"), quiet=1)  # as an installed wheel has its bytecode
    bot = Bot.load()
    messages = questions()
    p50, p99, p50_best = reply_latency(bot, messages, rounds)
    rate, with_reading, turns, transcripts = replay_speed(bot, max(3, rounds))
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "MBCBOT_CACHE_DIR": cache}
        first = wall_seconds([mbcbot, "ask", "liver"], 1, env)  # validates the knowledge, fills the cache
        baseline = wall_seconds([python, "-c", "import yaml, rapidfuzz"], runs, env)
        cold = wall_seconds([mbcbot, "ask", "liver"], runs, env)
        uncached = wall_seconds([mbcbot, "ask", "liver"], max(3, runs // 3), {**env, "MBCBOT_NO_CACHE": "1"})
        idle, peak = chat_idle_memory(mbcbot, env)
        batch = "\n".join(messages[:BATCH]).encode("utf-8") + b"\n"
        one = wall_seconds([mbcbot, "ask", "--json"], runs, env, messages[0].encode("utf-8") + b"\n")
        many = wall_seconds([mbcbot, "ask", "--json"], max(3, runs // 3), env, batch)
    each = (many - one) / (BATCH - 1)
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| reply latency, in-process, {len(messages)} messages x {rounds} rounds | p50 {p50:.3f} ms, p99 {p99:.3f} ms | p50 <= 0.2 ms |",
        f"| the same, each message's best of {rounds} (less noise from other tenants of the machine) | p50 {p50_best:.3f} ms | |",
        f"| `python -c 'import yaml, rapidfuzz'` (baseline) | {1000 * baseline:.0f} ms | |",
        f"| `mbcbot ask liver`, knowledge cache warm | {1000 * cold:.0f} ms = **{cold / baseline:.2f}x** baseline | <= 1.5x |",
        f"| `mbcbot ask liver`, first run (validates, fills the cache) | {1000 * first:.0f} ms | |",
        f"| `mbcbot ask liver`, cache off (`MBCBOT_NO_CACHE=1`) | {1000 * uncached:.0f} ms = {uncached / baseline:.2f}x baseline | |",
        f"| one more question through `mbcbot ask --json` ({BATCH} on standard input against 1) | {1000 * each:.3f} ms | <= 0.15 ms |",
        f"| `mbcbot chat` idle at its prompt (a pseudo-terminal) | RSS {idle:.0f} MB, peak {peak:.0f} MB | |",
        f"| replay, in-process, {turns} turns in {transcripts} transcripts | {rate:,.0f} turns/s | >= 2,000 turns/s |",
        f"| replay including reading and validating the files (`mbcbot replay` minus start-up) | {with_reading:,.0f} turns/s | |",
    ]
    lines += [
        "",
        "| question set | overall | answered when it should not | emergencies missed | invented quotes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for path in [*sorted(QUESTIONS.glob("*.yaml")), *([DEV] if DEV.exists() else [])]:
        summary = scored(bot, cases_in(path))
        name = "shared dev set" if path == DEV else path.name
        lines.append(
            f"| {name} | {summary.right}/{summary.total} = {100 * summary.overall:.1f}% | "
            f"{summary.answered_when_it_should_not}/{summary.abstain_cases} | {summary.emergencies_missed} | {summary.invented} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=11, help="runs of each cold-start command (default 11)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over the question sets (default 5)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="also write the tables into FILE between its markers")
    args = parser.parse_args(argv)
    lines = report(args.runs, args.rounds)
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "engine", "Engine", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
