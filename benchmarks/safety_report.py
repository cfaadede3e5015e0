"""The clinical safety report: the figures docs/clinical-safety.md quotes, computed from the project as it stands.

    python benchmarks/safety_report.py [--slips] [--map-only]

Prints, with today's date: the latest blind round (benchmarks/blind-rounds.yaml); every question set in
tests/questions/ scored now, per kind (benchmarks/questionset.py); which safety rules the golden transcripts exercise;
the age of each pack's review; with --slips, how safety reads messages typed with slips (benchmarks/slips.py); and the
hazard log's map from each hazard to its verification, read from docs/clinical-safety.md, saying whether each exists.
--map-only prints the map alone (tests/test_clinical_safety.py runs it so).

Exit codes: 0 every verification named in the hazard log exists; 1 one does not, or the hazard log or the blind
rounds cannot be read.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import re
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from mbcbot import __version__
from mbcbot.bot import Bot
from mbcbot.replaying import coverage_lines, replay_all, summary_line
from mbcbot.review import DEFAULT_MAX_AGE_YEARS, knowledge_digest, review_age_years

sys.path.insert(0, str(Path(__file__).resolve().parent))
from questionset import Summary, cases_in, scored

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "clinical-safety.md"
BLIND_ROUNDS = ROOT / "benchmarks" / "blind-rounds.yaml"
QUESTIONS = ROOT / "tests" / "questions"
TRANSCRIPTS = ROOT / "transcripts"
HAZARD_LOG = "## Hazard log"
COLUMNS = ("Id", "Hazard", "Cause", "Possible harm", "Initial risk", "Controls", "Verification", "Residual risk")
TITLE = "mbcbot clinical safety report"


class ReportError(Exception):
    """A file the report reads cannot be read as it must be."""


class Hazard(NamedTuple):
    """One row of the hazard log, its cells as written."""

    id: str
    hazard: str
    cause: str
    harm: str
    initial: str
    controls: str
    verification: str
    residual: str
    line: int


def title(hazard: Hazard) -> str:
    """The hazard's name: the bold words its cell opens with, else the whole cell."""
    bold = re.match(r"\*\*(.+?)\*\*", hazard.hazard)
    return bold.group(1).rstrip(".") if bold else hazard.hazard


def table_rows(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """The rows of the first Markdown table after line `start` (header and separator left out), with line numbers."""
    at = next((n for n in range(start, len(lines)) if lines[n].startswith("|")), len(lines))
    rows = []
    for number in range(at + 2, len(lines)):
        if not lines[number].startswith("|"):
            break
        rows.append((number + 1, [cell.strip() for cell in lines[number].strip().strip("|").split("|")]))
    return rows


def hazard_log(path: Path = DOCUMENT) -> list[Hazard]:
    """The hazard log: the table under '## Hazard log' in `path`, one Hazard a row."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ReportError(f"{path}: cannot be read: {error}") from error
    if HAZARD_LOG not in lines:
        raise ReportError(f"{path}: no '{HAZARD_LOG}' heading")
    start = lines.index(HAZARD_LOG)
    header = next((line for line in lines[start:] if line.startswith("|")), "")
    if tuple(cell.strip() for cell in header.strip().strip("|").split("|")) != COLUMNS:
        raise ReportError(f"{path}: the hazard log's columns must be: {' | '.join(COLUMNS)}")
    hazards = []
    for number, cells in table_rows(lines, start):
        if len(cells) != len(COLUMNS):
            raise ReportError(f"{path}:{number}: a hazard log row has {len(cells)} cells, not {len(COLUMNS)}")
        hazards.append(Hazard._make([*cells, number]))
    return hazards


def references(cell: str) -> list[str]:
    """The references a verification cell names: each `path`, `path::test_name` or `path#heading`, in order."""
    return re.findall(r"`([^`]+)`", cell)


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings, as GitHub makes them ('## Blind rounds' is 'blind-rounds')."""
    found, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        fenced ^= line.startswith("```")
        if not fenced and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_names(path: Path) -> set[str]:
    """The names of the functions a Python file defines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def missing(reference: str, root: Path = ROOT) -> str | None:
    """Why a verification reference does not hold (no such path, test or heading), or None when it does."""
    path, _, test = reference.partition("::")
    path, _, anchor = path.partition("#")
    target = root / path
    if not path or not target.exists():
        return "no such file or folder"
    if test and (target.suffix != ".py" or test not in test_names(target)):
        return f"no test named {test} in {path}"
    if anchor and (target.suffix != ".md" or anchor not in anchors(target)):
        return f"no heading #{anchor} in {path}"
    return None


def map_lines(hazards: list[Hazard], root: Path = ROOT) -> tuple[list[str], int]:
    """The hazard-to-verification map as printed lines, and how many references are missing."""
    lines, absent, total = [], 0, 0
    for hazard in hazards:
        lines.append(f"{hazard.id}  {title(hazard)}")
        for reference in references(hazard.verification):
            why = missing(reference, root)
            lines.append(f"      {'MISSING' if why else 'ok     '} {reference}" + (f": {why}" if why else ""))
            absent += why is not None
            total += 1
    lines.append(f"{len(hazards)} hazards, {total} references to tests, transcripts and tables: {total - absent} exist")
    return lines, absent


def latest_round_lines(path: Path = BLIND_ROUNDS) -> list[str]:
    """The latest blind round (the last `when` of blind-rounds.yaml): one line a scoring, then the sums."""
    try:
        rounds = yaml.safe_load(path.read_text(encoding="utf-8"))["rounds"]
        latest = rounds[-1]
        scorings: list[dict[str, Any]] = latest["scorings"]
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError) as error:
        raise ReportError(f"{path}: cannot read the blind rounds: {error}") from error
    lines = [f"{latest['when']}, {len(scorings)} set(s) scored unread:"]
    for s in scorings:
        lines.append(
            f"  {s['round']:<5} {s['set']}  {s['turns']} turns  overall {s['overall']:.1f}%  "
            f"emergencies {s['emergencies'][0]}/{s['emergencies'][1]}  false alarms {s['false_alarms']}  "
            f"advice {s['advice'][0]}/{s['advice'][1]}  answered when it should not "
            f"{s['answered_when_it_should_not'][0]}/{s['answered_when_it_should_not'][1]}  "
            f"invented quotes {s['invented_quotes']}"
        )
        lines.append(f"        engine: {s['engine']}")
    if len(scorings) > 1:
        lines.append("  together: " + together(scorings))
    return lines


def together(scorings: list[dict[str, Any]]) -> str:
    """The safety figures of several scorings summed, each with its share."""

    def share(key: str) -> str:
        right, asked = (sum(s[key][i] for s in scorings) for i in (0, 1))
        return f"{right}/{asked} = {100 * right / max(1, asked):.1f}%"

    alarms = sum(s["false_alarms"] for s in scorings)
    return (
        f"emergencies {share('emergencies')}  false alarms {alarms}  advice {share('advice')}  "
        f"answered when it should not {share('answered_when_it_should_not')}"
    )


def summed(summaries: Iterable[Summary]) -> Summary:
    """One Summary of many: every tally added up."""
    total = Summary()
    for summary in summaries:
        for group, (right, asked) in summary.groups.items():
            tally = total.groups.setdefault(group, [0, 0])
            tally[0] += right
            tally[1] += asked
        total.answered_when_it_should_not += summary.answered_when_it_should_not
        total.abstain_cases += summary.abstain_cases
        total.emergencies_missed += summary.emergencies_missed
        total.emergencies = [a + b for a, b in zip(total.emergencies, summary.emergencies, strict=True)]
        total.false_alarms += summary.false_alarms
        total.advice = [a + b for a, b in zip(total.advice, summary.advice, strict=True)]
        total.invented += summary.invented
        total.seconds += summary.seconds
    return total


def set_line(name: str, summary: Summary) -> str:
    """One question set's figures on one line: the safety figures, then right/asked per kind."""
    kinds = " ".join(f"{group} {right}/{asked}" for group, (right, asked) in sorted(summary.groups.items()))
    return (
        f"{name:<26} {summary.total:>6} {100 * summary.overall:6.1f}%  emergencies {summary.emergencies[0]}/"
        f"{summary.emergencies[1]} missed {summary.emergencies_missed}  false alarms {summary.false_alarms}  "
        f"advice {summary.advice[0]}/{summary.advice[1]}  answered when it should not "
        f"{summary.answered_when_it_should_not}/{summary.abstain_cases}  invented {summary.invented}  |  {kinds}"
    )


def question_set_lines(bot: Bot, folder: Path = QUESTIONS) -> list[str]:
    """Every question set scored now, one line each, and the sum of them all."""
    paths = sorted(folder.glob("*.yaml"))
    summaries = [scored(bot, cases_in(path)) for path in paths]
    total = summed(summaries)
    lines = [f"{'set':<26} {'turns':>6} {'overall':>7}"]
    lines += [set_line(path.name, summary) for path, summary in zip(paths, summaries, strict=True)]
    lines.append(set_line(f"all {len(paths)} sets", total))
    lines.append(f"({total.total:,} turns scored in {total.seconds:.1f} s)")
    return lines


def transcript_lines(bot: Bot, folder: Path = TRANSCRIPTS) -> list[str]:
    """The golden transcripts replayed: how many turns matched, and which safety rules they exercise and miss."""
    results, problems = replay_all(bot, [folder])
    coverage = coverage_lines(bot.knowledge, results)
    start = next(n for n, line in enumerate(coverage) if line.startswith("safety rules:"))
    end = next((n for n in range(start + 1, len(coverage)) if not coverage[n].startswith("  ")), len(coverage))
    return [summary_line(results, problems), *coverage[start:end]]


def review_lines(bot: Bot, today: datetime.date) -> list[str]:
    """Each pack's review: who, when, how long ago, and whether it is older than `mbcbot check` allows."""
    lines = []
    for pack in bot.knowledge.packs:
        age = review_age_years(datetime.date.fromisoformat(pack.review.date), today)
        state = "OVERDUE, older than" if age > DEFAULT_MAX_AGE_YEARS else "within"
        lines.append(
            f"{pack.id}: reviewed by {pack.review.reviewer} on {pack.review.date}, {age:.1f} years ago: "
            f"{state} the {DEFAULT_MAX_AGE_YEARS:g}-year limit of `mbcbot check`"
        )
    return lines


def slip_lines() -> list[str]:
    """What benchmarks/slips.py prints (seed 7)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "slips.py")], capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode != 0:
        raise ReportError(f"benchmarks/slips.py failed: {done.stderr.strip()[-300:]}")
    return done.stdout.splitlines()


def section(number: int, heading: str, lines: list[str]) -> list[str]:
    """A numbered section: its heading, its lines indented, a blank line."""
    return [f"{number}. {heading}", *(f"  {line}" for line in lines), ""]


def report(today: datetime.date, slips: bool, map_only: bool) -> tuple[list[str], int]:
    """The report's lines and how many verification references are missing."""
    hazards = hazard_log()
    mapped, absent = map_lines(hazards)
    lines = [f"{TITLE}, {today.isoformat()}"]
    if map_only:
        return [*lines, "", *section(1, "Hazard log (docs/clinical-safety.md): each hazard's verification", mapped)], absent
    bot = Bot.load()
    started = time.perf_counter()
    lines += [f"mbcbot {__version__}; knowledge {knowledge_digest(bot.knowledge)[:12]} (the digest of its review stamps)", ""]
    lines += section(1, "The latest blind round (benchmarks/blind-rounds.yaml, from BENCHMARKS.md)", latest_round_lines())
    lines += section(
        2,
        "Every question set in tests/questions/, scored now (read and tuned on: not claims of accuracy)",
        question_set_lines(bot),
    )
    lines += section(3, "Golden transcripts (transcripts/), replayed now: safety-rule coverage", transcript_lines(bot))
    lines += section(4, "Review stamps", review_lines(bot, today))
    number = 5
    if slips:
        lines += section(number, "Typing slips (benchmarks/slips.py, seed 7), on every question set", slip_lines())
        number += 1
    lines += section(number, "Hazard log (docs/clinical-safety.md): each hazard's verification", mapped)
    lines.append(f"(report made in {time.perf_counter() - started:.0f} s)")
    return lines, absent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--slips", action="store_true", help="add benchmarks/slips.py's figures (about 20 s more)")
    parser.add_argument("--map-only", action="store_true", help="print only the hazard-to-verification map (fast)")
    args = parser.parse_args(argv)
    try:
        lines, absent = report(datetime.date.today(), args.slips, args.map_only)
    except ReportError as error:
        print(f"safety_report: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 1 if absent else 0


if __name__ == "__main__":
    sys.exit(main())
