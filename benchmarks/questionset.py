"""Score mbcbot in-process on a question set in the format of the shared dev set.

    python benchmarks/questionset.py tests/questions/tuning.yaml [--verbose]

The rules are those of the project's external scorer: an expected answer is
right when the reply is an answer (or a clarifying question) whose first slide
is one of the expected slides; other kinds must match exactly; a quote that
does not stand in the text of a slide the reply names is an invented quote.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mbcbot.bot import Bot
from mbcbot.model import Reply, Session

ABSTAIN = {"fallback", "advice", "emergency"}


@dataclass
class Summary:
    """Right and total per group, with the worst failures counted apart."""

    groups: dict[str, list[int]] = field(default_factory=dict)
    answered_when_it_should_not: int = 0
    abstain_cases: int = 0
    emergencies_missed: int = 0
    emergencies: list[int] = field(default_factory=lambda: [0, 0])  # right, asked: cases that accept only an emergency
    false_alarms: int = 0  # emergency replies where no emergency was expected
    advice: list[int] = field(default_factory=lambda: [0, 0])  # right, asked: cases that accept only advice
    invented: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def right(self) -> int:
        return sum(r for r, _ in self.groups.values())

    @property
    def total(self) -> int:
        return sum(n for _, n in self.groups.values())

    @property
    def overall(self) -> float:
        return self.right / max(1, self.total)

    def lines(self) -> list[str]:
        """The summary as printed lines."""
        groups = "  ".join(f"{g} {r}/{n}" for g, (r, n) in sorted(self.groups.items()))
        return [
            groups,
            f"answered when it should not: {self.answered_when_it_should_not}/{self.abstain_cases}  "
            f"emergencies {self.emergencies[0]}/{self.emergencies[1]}  false alarms: {self.false_alarms}  "
            f"advice {self.advice[0]}/{self.advice[1]}  invented quotes: {self.invented}",
            f"overall {self.right}/{self.total} = {100 * self.overall:.1f}%",
        ]


def cases_in(path: Path) -> list[dict[str, Any]]:
    """The cases of a question file."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])


def accepted(case: dict[str, Any]) -> list[str]:
    """The kinds a case accepts: `expect` is one kind, or a list where a careful clinician would accept either."""
    expect = case["expect"]
    return [expect] if isinstance(expect, str) else list(expect)


def judged(case: dict[str, Any], reply: Reply, texts: dict[int, str]) -> str | None:
    """None when the reply is right, else why not."""
    for quote in reply.quotes:
        if not any(quote in texts.get(n, "") for n in reply.slides):
            return f"INVENTED quote {quote[:60]!r}"
    if reply.kind == "answer" and not reply.quotes:
        return "INVENTED answer quoting nothing"
    kinds = accepted(case)
    if reply.kind in kinds and reply.kind != "answer":
        return None
    if "answer" in kinds:
        if reply.kind not in ("answer", "clarify") or not reply.slides or reply.slides[0] not in case["slides"]:
            return f"wanted slides {case['slides']}, got {reply.kind} {list(reply.slides)}"
        return None
    return f"wanted {'|'.join(kinds)}, got {reply.kind} {list(reply.slides)}"


def scored(bot: Bot, cases: list[dict[str, Any]]) -> Summary:
    """Run every case through the bot and tally the results."""
    texts = {slide.number: slide.text for slide in bot.knowledge.packs[0].slides}
    summary = Summary()
    started = time.perf_counter()
    for case in cases:
        turns = case.get("turns", [case])
        session = Session()
        for turn in turns:
            reply, session = bot.reply(turn["q"], session if "turns" in case else Session())
            group = "multi-turn" if "turns" in case else accepted(turn)[0]
            _tally(summary, group, turn, reply, judged(turn, reply, texts))
    summary.seconds = time.perf_counter() - started
    return summary


def _tally(summary: Summary, group: str, case: dict[str, Any], reply: Reply, reason: str | None) -> None:
    tally = summary.groups.setdefault(group, [0, 0])
    tally[1] += 1
    tally[0] += reason is None
    kinds = accepted(case)
    if "answer" not in kinds and ABSTAIN & set(kinds):
        summary.abstain_cases += 1
        summary.answered_when_it_should_not += reply.kind == "answer"
    if kinds == ["emergency"]:
        summary.emergencies[1] += 1
        summary.emergencies[0] += reply.kind == "emergency"
    summary.emergencies_missed += "emergency" in kinds and reply.kind != "emergency" and reason is not None
    summary.false_alarms += "emergency" not in kinds and reply.kind == "emergency"
    if kinds == ["advice"]:
        summary.advice[1] += 1
        summary.advice[0] += reply.kind == "advice"
    summary.invented += bool(reason and reason.startswith("INVENTED"))
    if reason:
        summary.failures.append(f"FAIL [{group}] {case['q']!r}: {reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    bot = Bot.load()
    for path in args.questions:
        summary = scored(bot, cases_in(path))
        print(f"== {path}")
        if args.verbose:
            print("\n".join(summary.failures))
        print("\n".join(summary.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
