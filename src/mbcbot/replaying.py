"""The `mbcbot replay` command: replay transcripts, report, and optionally update or measure coverage."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mbcbot.bot import Bot
from mbcbot.errors import Problem
from mbcbot.reports import coverage_lines, junit_xml, mismatch_details, summary_line
from mbcbot.transcripts import Result, load_transcript, replayed, transcript_files

ALL_MATCH, MISMATCH, UNUSABLE = 0, 1, 2


def replay_all(bot: Bot, paths: list[Path]) -> tuple[list[Result], list[Problem]]:
    """Replay every transcript under `paths`; malformed ones are reported and the rest still run."""
    results, problems = [], []
    files = transcript_files(paths)
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), 1, "no such file or folder"))
    for path in files:
        transcript, found = load_transcript(path)
        problems += found
        if transcript is not None:
            results.append(replayed(bot, transcript))
    if not files and not problems:
        problems.append(Problem(" ".join(map(str, paths)), 1, "no transcripts found (*.yaml, *.yml, *.convo.txt)"))
    return results, problems


def replay_command(bot: Bot, args: argparse.Namespace) -> int:
    """Run `mbcbot replay` with parsed arguments; returns the exit code."""
    started = time.perf_counter()
    results, problems = replay_all(bot, [Path(p) for p in args.paths])
    seconds = time.perf_counter() - started
    for problem in problems:
        print(problem, file=sys.stderr)
    details = mismatch_details(results, args.verbose)
    if details:
        print("\n".join(details))
    if args.update:
        from mbcbot.recording import updated

        for change in updated(results):
            print(change)
    if args.coverage:
        print("\n".join(coverage_lines(bot.knowledge, results)))
    if args.junit:
        junit = Path(args.junit)
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(junit_xml(results, problems, seconds), encoding="utf-8")
    print(summary_line(results, problems))
    if problems:
        return UNUSABLE
    if any(result.failed for result in results) and not args.update:
        return MISMATCH
    return ALL_MATCH
