"""mbcbot against peer methods: simple retrievers over the same eight slides, on the same questions.

    python benchmarks/peers.py [--rounds 3] [--write BENCHMARKS.md]

Each baseline scores every slide (title and verbatim text) against the
question and answers with the top slide when its score reaches a threshold,
else abstains. Thresholds are fitted on the tuning sets only; the held-out set
and the shared dev set are only reported. Benchmarks never fail: a baseline
whose package is missing is left out and named in the notes.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from baselines import Retriever, available_retrievers  # noqa: E402
from questionset import cases_in, judged  # noqa: E402
from report import write_section  # noqa: E402

from mbcbot.bot import Bot  # noqa: E402
from mbcbot.model import Session  # noqa: E402

QUESTIONS = ROOT / "tests" / "questions"
TUNING = [QUESTIONS / "tuning.yaml", QUESTIONS / "tuning-2.yaml", QUESTIONS / "tuning-safety.yaml"]
HELDOUT = QUESTIONS / "heldout.yaml"
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"
SHOULD_NOT_ANSWER = ("fallback", "advice", "emergency")
SCORED = ("answer", *SHOULD_NOT_ANSWER)


@dataclass
class Outcome:
    """What a method did with one question: the slide it answered with (None: it did not) and its reply kind."""

    kind: str
    slide: int | None
    invented: bool = False


@dataclass
class Row:
    """One method's figures on one split."""

    method: str
    threshold: str
    outcomes: list[tuple[dict[str, Any], Outcome]]
    milliseconds: list[float] = field(default_factory=list)

    def _cases(self, expect: str) -> list[Outcome]:
        return [outcome for case, outcome in self.outcomes if case["expect"] == expect]

    def cells(self) -> list[str]:
        """The table cells after the split and method names."""
        answers = [(case, o) for case, o in self.outcomes if case["expect"] == "answer"]
        right = sum(o.slide is not None and o.slide in case["slides"] for case, o in answers)
        fallback = self._cases("fallback")
        abstained = sum(o.slide is None for o in fallback)
        wrong_answers = sum(o.slide is not None for case, o in self.outcomes if case["expect"] in SHOULD_NOT_ANSWER)
        should_not = sum(case["expect"] in SHOULD_NOT_ANSWER for case, _ in self.outcomes)
        emergencies = self._cases("emergency")
        recalled = sum(o.kind == "emergency" for o in emergencies)
        silent = sum(o.slide is None for o in emergencies)
        invented = sum(o.invented for _, o in self.outcomes)
        ms = statistics.median(self.milliseconds) if self.milliseconds else float("nan")
        return [
            self.threshold,
            _share(right, len(answers)),
            _share(abstained, len(fallback)),
            f"{wrong_answers}/{should_not}",
            _share(recalled, len(emergencies)),
            f"{silent}/{len(emergencies)}",
            str(invented),
            f"{ms:.3f}",
        ]


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else "n/a"


def single_cases(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """The single-question cases (no conversations) of the files, of the kinds the comparison scores."""
    return [case for path in paths for case in cases_in(path) if "turns" not in case and case["expect"] in SCORED]


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """The result of a call and its duration in ms."""
    started = time.perf_counter_ns()
    result = function()
    return result, (time.perf_counter_ns() - started) / 1e6


def mbcbot_row(bot: Bot, cases: list[dict[str, Any]], rounds: int) -> Row:
    """mbcbot on each case in a fresh session: an answer or a clarifying question counts with its first slide."""
    texts = {slide.number: slide.text for slide in bot.knowledge.packs[0].slides}
    row = Row("**mbcbot**", "its own rules", [])
    for case in cases:
        question = case["q"]
        bot.reply(question, Session())  # warm up, as a long-running server would be
        best = float("inf")
        for _ in range(rounds):
            (reply, _session), ms = timed(partial(bot.reply, question, Session()))
            best = min(best, ms)
        row.milliseconds.append(best)
        answered = reply.kind in ("answer", "clarify") and bool(reply.slides)
        reason = judged(case, reply, texts)
        row.outcomes.append(
            (case, Outcome(reply.kind, reply.slides[0] if answered else None, bool(reason and reason.startswith("INVENTED"))))
        )
    return row


@dataclass
class Scored:
    """A retriever's top slide and score for each case, and the time each scoring took."""

    tops: list[tuple[int, float]]
    milliseconds: list[float]


def scored_by(retriever: Retriever, cases: list[dict[str, Any]], rounds: int) -> Scored:
    """Score every case once per round; keep each case's fastest time."""
    tops, times = [], []
    for case in cases:
        question = case["q"]
        retriever.scores(question)  # warm up
        best = float("inf")
        for _ in range(rounds):
            scores, ms = timed(partial(retriever.scores, question))
            best = min(best, ms)
        top = max(range(len(scores)), key=lambda index: scores[index])
        tops.append((top + 1, float(scores[top])))
        times.append(best)
    return Scored(tops, times)


def decided(cases: list[dict[str, Any]], scored: Scored, threshold: float) -> list[tuple[dict[str, Any], Outcome]]:
    """Answer with the top slide when its score reaches the threshold, else abstain."""
    return [
        (case, Outcome("answer", slide) if score >= threshold else Outcome("fallback", None))
        for case, (slide, score) in zip(cases, scored.tops, strict=True)
    ]


def right(case: dict[str, Any], outcome: Outcome) -> bool:
    """Right answer on an answer case; an abstention on a case that must not be answered."""
    if case["expect"] == "answer":
        return outcome.slide is not None and outcome.slide in case["slides"]
    return outcome.slide is None


def fitted(cases: list[dict[str, Any]], scored: Scored) -> tuple[float, int]:
    """The threshold that gets the most tuning cases right (on a tie, the highest: it abstains more) and that count."""
    candidates = sorted({score for _, score in scored.tops} | {float("inf")})
    best, best_right = float("inf"), -1
    for threshold in candidates:
        count = sum(right(case, outcome) for case, outcome in decided(cases, scored, threshold))
        if count >= best_right:
            best, best_right = threshold, count
    return best, best_right


def report(rounds: int) -> tuple[list[str], list[str]]:
    """The table lines and the notes."""
    bot = Bot.load()
    slides = [(slide.title, slide.text) for slide in bot.knowledge.packs[0].slides]
    retrievers, missing = available_retrievers(slides)
    tuning = single_cases(TUNING)
    splits = [("held-out", single_cases([HELDOUT]))]
    if DEV.exists():
        splits.append(("shared dev", single_cases([DEV])))
    splits.append(("tuning (thresholds fitted here)", tuning))
    tuned = {retriever.name: scored_by(retriever, tuning, rounds) for retriever in retrievers}
    thresholds = {name: fitted(tuning, scored) for name, scored in tuned.items()}
    rows: list[tuple[str, Row]] = []
    for split, cases in splits:
        rows.append((split, mbcbot_row(bot, cases, rounds)))
        for retriever in retrievers:
            scored = tuned[retriever.name] if cases is tuning else scored_by(retriever, cases, rounds)
            threshold, _ = thresholds[retriever.name]
            row = Row(retriever.name, f"{threshold:.3g}", decided(cases, scored, threshold), scored.milliseconds)
            rows.append((split, row))
    lines = [
        "| split | method | threshold | in-scope accuracy | not-covered precision | answered when it should not "
        "| emergency recall | abstained on emergencies | invented quotes | median ms/question |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {split} | {row.method} | " + " | ".join(row.cells()) + " |" for split, row in rows]
    return lines, notes(tuning, splits, retrievers, thresholds, missing, rows)


def notes(
    tuning: list[dict[str, Any]],
    splits: list[tuple[str, list[dict[str, Any]]]],
    retrievers: list[Retriever],
    thresholds: dict[str, tuple[float, int]],
    missing: list[str],
    rows: list[tuple[str, Row]],
) -> list[str]:
    """How the comparison was made, and where mbcbot does not beat a baseline."""
    sizes = ", ".join(f"{name.split(' (')[0]} {len(cases)}" for name, cases in splits)
    fits = "; ".join(
        f"{r.name} >= {thresholds[r.name][0]:.3g} ({thresholds[r.name][1]}/{len(tuning)} tuning cases right)" for r in retrievers
    )
    lines = [
        f"Measured {datetime.date.today().isoformat()} with `python benchmarks/peers.py --write BENCHMARKS.md`.",
        "",
        "- **Questions**: the single-question cases (conversations left out) that expect an answer, the "
        "not-covered fallback, declined advice or an emergency reply, scored the same way for every method "
        f"({sizes} cases). `heldout.yaml` and the shared dev set are never tuned on.",
        "- **Baselines**: each scores the eight slides (title and verbatim text; not mbcbot's keywords, samples "
        "or lexicon) and answers with the top slide if its score reaches the threshold, else abstains. "
        "They have no safety rules, so their emergency recall is 0 by construction; *abstained on emergencies* "
        "shows how often they at least stayed silent. They quote whole slides, so they invent nothing.",
        *[f"  - {r.name}: {r.description}" for r in retrievers],
        "- **Thresholds**: fitted only on `tuning.yaml`, `tuning-2.yaml` and `tuning-safety.yaml`, to get the most "
        "cases right (an answer case answered with a listed slide, any other case abstained on; ties go to the "
        f"higher threshold): {fits}.",
        "- **mbcbot**: `Bot.reply` in a fresh session; an `answer` or `clarify` reply counts with its first slide, "
        "any other kind is an abstention.",
        "- **Times**: each question's best of the rounds, in-process, single-threaded (torch limited to one "
        "thread), after a warm-up; the machine is shared, so small differences are noise.",
    ]
    if missing:
        lines.append("- **Left out**: " + "; ".join(missing) + ".")
    lines.append("- **Where mbcbot does not beat a baseline**: " + weaker(rows))
    return lines


def weaker(rows: list[tuple[str, Row]]) -> str:
    """Every reported split and measure on which some baseline is at least as good as mbcbot."""
    found = []
    measures = [
        (1, "in-scope accuracy", True),
        (2, "not-covered precision", True),
        (3, "answered when it should not", False),
        (7, "median ms/question", False),
    ]
    for split in dict.fromkeys(split for split, _ in rows):
        if split.startswith("tuning"):
            continue
        here = [row for s, row in rows if s == split]
        ours, peers = here[0].cells(), here[1:]
        for index, label, higher_is_better in measures:
            mine = _number(ours[index])
            for peer in peers:
                theirs = _number(peer.cells()[index])
                if (theirs >= mine) if higher_is_better else (theirs <= mine):
                    found.append(f"{split}, {label}: {peer.method} {peer.cells()[index]} vs mbcbot {ours[index]}")
    return "; ".join(found) + "." if found else "none of the reported measures on the held-out or dev split."


def _number(cell: str) -> float:
    if "=" in cell:
        return float(cell.rsplit("=", 1)[1].strip().rstrip("%"))
    if "/" in cell:
        return float(cell.split("/", 1)[0])
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per question (default 3)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="also write the table into FILE between its markers")
    args = parser.parse_args(argv)
    lines, notes_lines = report(args.rounds)
    section = [*lines, "", *notes_lines]
    print("\n".join(section))
    if args.write:
        write_section(args.write, "peers", "Against peer methods", section)  # reads the file afresh just before writing
    return 0


if __name__ == "__main__":
    sys.exit(main())
