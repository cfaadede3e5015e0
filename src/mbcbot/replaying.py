"""The `mbcbot replay` command: replay transcripts and report them (summary, mismatches, JUnit XML, coverage).

It can also update pinned replies after a review, or measure which rules the transcripts cover."""

from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mbcbot import __version__
from mbcbot.bot import Bot
from mbcbot.errors import Problem
from mbcbot.model import COMMANDS, INTENTS, Knowledge
from mbcbot.remote import Service
from mbcbot.review import knowledge_digest
from mbcbot.text import printable
from mbcbot.transcripts import Replier, Result, load_transcript, replayed, transcript_files

ALL_MATCH, MISMATCH, UNUSABLE = 0, 1, 2


def replay_all(replier: Replier, paths: list[Path], side_by_side: int = 1) -> tuple[list[Result], list[Problem]]:
    """Replay every transcript under `paths` (`side_by_side` at a time); malformed ones are reported and the rest
    still run. Results come in the order of the files, however many run at once."""
    transcripts, problems = [], []
    files = transcript_files(paths)
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), 1, "no such file or folder"))
    for path in files:
        transcript, found = load_transcript(path)
        problems += found
        if transcript is not None:
            transcripts.append(transcript)
    if not files and not problems:
        problems.append(Problem(" ".join(map(str, paths)), 1, "no transcripts found (*.yaml, *.yml, *.convo.txt)"))
    if side_by_side == 1:
        return [replayed(replier, transcript) for transcript in transcripts], problems
    with ThreadPoolExecutor(max_workers=side_by_side) as pool:
        return list(pool.map(lambda transcript: replayed(replier, transcript), transcripts)), problems


def replay_command(bot: Bot, args: argparse.Namespace) -> int:
    """Run `mbcbot replay` with parsed arguments (against the live service at `--url` when given); the exit code."""
    service = Service(args.url, args.cacert) if args.url else None
    if service is not None:
        for line in served_lines(service, bot.knowledge):
            print(printable(line), file=sys.stderr)
    started = time.perf_counter()
    results, problems = replay_all(service or bot, [Path(p) for p in args.paths], args.concurrency)
    seconds = time.perf_counter() - started
    if service is not None and service.retries.summary():
        print(printable(f"mbcbot: {service.retries.summary()}"), file=sys.stderr)
    for problem in problems:
        print(printable(str(problem)), file=sys.stderr)
    details = mismatch_details(results, args.verbose)
    if details:
        print(printable("\n".join(details)))
    if args.update:
        from mbcbot.recording import updated

        for change in updated(results):
            print(printable(change))
    if args.coverage:
        print(printable("\n".join(coverage_lines(bot.knowledge, results))))
    if args.junit:
        junit = Path(args.junit)
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(junit_xml(results, problems, seconds), encoding="utf-8")
    print(printable(summary_line(results, problems)))
    if problems:
        return UNUSABLE
    if any(result.failed for result in results) and not args.update:
        return MISMATCH
    return ALL_MATCH


# Reports of a replay


def served_lines(service: Service, knowledge: Knowledge) -> list[str]:
    """Which version and knowledge the service says it serves, and a warning for each that is not this replay's."""
    served, digest = service.version(), knowledge_digest(knowledge)
    lines = [f"mbcbot: replaying against {service.url}: mbcbot {served['version']}, knowledge {served['knowledge'][:12]}"]
    if served["version"] != __version__:
        lines.append(f"mbcbot: warning: the service runs mbcbot {served['version']}, this replay {__version__}")
    if served["knowledge"] != digest:
        lines.append(
            f"mbcbot: warning: the service serves other reviewed knowledge ({served['knowledge'][:12]}) than this "
            f"replay's ({digest[:12]}): replies may differ"
        )
    return lines


def summary_line(results: Sequence[Result], problems: Sequence[Problem]) -> str:
    """'118 of 120 turns matched in 14 transcripts' and what could not be read."""
    turns = sum(len(result.turns) for result in results)
    matched = turns - sum(len(result.failed) for result in results)
    line = f"{matched} of {turns} turns matched in {len(results)} transcripts"
    unreadable = len({problem.file for problem in problems})
    return line + (f"; {unreadable} transcript(s) could not be read" if unreadable else "")


def mismatch_details(results: Sequence[Result], verbose: bool = False) -> list[str]:
    """For each mismatch (every turn, when verbose): the transcript, turn, reasons and diff."""
    lines = []
    for result in results:
        for number, turn in enumerate(result.turns, start=1):
            if not turn.failures and not verbose:
                continue
            status = "MISMATCH" if turn.failures else "ok"
            lines.append(f"{status} {result.transcript.path}:{turn.turn.line}: turn {number}: {turn.turn.user!r}")
            lines.append(f"  -> {turn.reply.kind} {list(turn.reply.slides)} ({turn.reply.rule})")
            lines += [f"  {failure}" for failure in turn.failures]
            lines += [f"  {row}" for row in turn.diff.splitlines()]
    return lines


def junit_xml(results: Sequence[Result], problems: Sequence[Problem], seconds: float) -> str:
    """JUnit XML: one testcase per transcript, the differences in the failure body; every text `printable`, so the
    report stays well-formed XML whatever a transcript holds."""
    suite = ElementTree.Element("testsuite", name="mbcbot replay", time=f"{seconds:.3f}")
    failures = errors = 0
    for result in results:
        case = ElementTree.SubElement(suite, "testcase", classname="transcripts", name=printable(result.transcript.path))
        case.set("time", "0")
        if result.failed:
            failures += 1
            body = printable("\n".join(mismatch_details([result])))
            message = printable(f"{len(result.failed)} of {len(result.turns)} turns differ: {result.transcript.title}")
            ElementTree.SubElement(case, "failure", message=message, type="mismatch").text = body
    for file in sorted({problem.file for problem in problems}):
        errors += 1
        case = ElementTree.SubElement(suite, "testcase", classname="transcripts", name=printable(file))
        body = printable("\n".join(str(problem) for problem in problems if problem.file == file))
        ElementTree.SubElement(case, "error", message="the transcript cannot be read", type="malformed").text = body
    suite.set("tests", str(len(results) + errors))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def coverage_lines(knowledge: Knowledge, results: Sequence[Result]) -> list[str]:
    """Which slides, sentences, safety rules and intents the transcripts exercise, and which they miss."""
    replies = [turn.reply for result in results for turn in result.turns]
    rules = {reply.rule for reply in replies}
    quoted = " ".join(quote for reply in replies for quote in reply.quotes)
    groups = {
        "slides": [
            (f"slide {s.number} {s.title}", any(s.number in r.slides and r.quotes for r in replies)) for s in knowledge.slides
        ],
        "sentences": [
            (f"slide {s.number}: {sentence[:60]}", sentence in quoted) for s in knowledge.slides for sentence in s.sentences
        ],
        "safety rules": [(f"emergency:{rule.id}", f"emergency:{rule.id}" in rules) for rule in knowledge.safety.emergency]
        + [(f"advice:{rule.id}", f"advice:{rule.id}" in rules) for rule in knowledge.safety.advice],
        "intents": [(f"intent:{name}", f"intent:{name}" in rules) for name in INTENTS]
        + [(f"command:{name}", f"command:{name}" in rules) for name in COMMANDS]
        + [(name, name in rules) for name in ("match", "clarify", "not-covered")],
    }
    lines = []
    for group, items in groups.items():
        missed = [name for name, seen in items if not seen]
        lines.append(f"{group}: {len(items) - len(missed)} of {len(items)} exercised")
        lines += [f"  missed {name}" for name in missed]
    return lines
