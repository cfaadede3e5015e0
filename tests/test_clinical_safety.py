"""The clinical safety case holds together: every hazard has controls and a verification that exists, its risks are
read off its own matrix, SECURITY.md and the hazard log name each other, and the figures it quotes are the project's.

The report runs here with --map-only (under a second); its full run, which scores every question set, is
`make safety-report`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from safety_report import (  # noqa: E402
    BLIND_ROUNDS,
    DOCUMENT,
    TITLE,
    Hazard,
    anchors,
    hazard_log,
    latest_round_lines,
    missing,
    references,
    table_rows,
    title,
)

SECURITY = ROOT / "SECURITY.md"
BENCHMARKS = ROOT / "BENCHMARKS.md"
TIMES = "\u00d7"  # the multiplication sign the log writes risks with ("S5 times L3 = 4")
RISK = re.compile(rf"S([1-5])\s*[{TIMES}x]\s*L([1-5])\s*=\s*([1-5])")
SECURITY_LINK = re.compile(r"\]\(\.\./SECURITY\.md(?:#([^)]*))?\)")
HAZARD_ID = re.compile(r"\bH-\d\d\b")

# The hazards issue #17 asks the log to hold, each found by words its title must hold.
REQUIRED_HAZARDS = {
    "an emergency not recognised": ("emergency", "not recognised"),
    "a mention taken for an emergency": ("mention", "emergency"),
    "personal advice given, or a slide sentence reading like advice": ("personal advice", "slide sentence"),
    "an answer from the wrong slide or sentence": ("wrong slide", "sentence"),
    "an answer where the slides do not cover the question": ("slides do not cover",),
    "content not reviewed or edited after review (stamp)": ("not reviewed", "edited after review"),
    "a review gone stale": ("review", "stale"),
    "mixing packs": ("mixing packs",),
    "the service unreachable when someone types an emergency": ("unreachable", "emergency"),
    "a rate limit or length limit hiding an emergency": ("rate limit", "length limit", "emergency"),
    "a message or health detail leaking into logs, history or metrics": ("leaking", "logs", "history", "metrics"),
    "a misspelling corrected into another topic": ("misspelling", "another topic"),
    "a translation of the widget's chrome mistaken for reviewed content": ("translation", "chrome", "reviewed content"),
}


@pytest.fixture(scope="module")
def hazards() -> list[Hazard]:
    return hazard_log()


def matrix() -> dict[tuple[int, int], int]:
    """The document's risk matrix: (severity, likelihood) -> risk."""
    lines = DOCUMENT.read_text(encoding="utf-8").splitlines()
    found = {}
    for _, cells in table_rows(lines, lines.index("### Risk matrix")):
        likelihood = int(cells[0].split()[0])
        for severity, risk in enumerate(cells[1:], start=1):
            found[severity, likelihood] = int(risk)
    return found


def test_the_ids_run_h01_h02_in_order(hazards: list[Hazard]) -> None:
    assert [hazard.id for hazard in hazards] == [f"H-{n:02d}" for n in range(1, len(hazards) + 1)]
    assert len(hazards) >= len(REQUIRED_HAZARDS)


def test_every_row_fills_every_cell(hazards: list[Hazard]) -> None:
    empty = [
        f"{DOCUMENT.relative_to(ROOT)}:{hazard.line}: {hazard.id} has no {name}"
        for hazard in hazards
        for name, cell in zip(Hazard._fields[1:8], hazard[1:8], strict=True)
        if not str(cell).replace("*", "").strip()
    ]
    assert not empty, "\n".join(empty)


def test_every_verification_entry_is_a_path_that_exists(hazards: list[Hazard]) -> None:
    problems = []
    for hazard in hazards:
        for entry in hazard.verification.split("<br>"):
            if not entry.strip().startswith("`"):
                problems.append(f"{hazard.id}: a verification entry does not start with a `path`: {entry.strip()!r}")
        for reference in references(hazard.verification):
            why = missing(reference)
            if why:
                problems.append(f"{DOCUMENT.relative_to(ROOT)}:{hazard.line}: {hazard.id} names `{reference}`: {why}")
    assert not problems, "\n".join(problems)


def test_a_missing_path_test_or_heading_is_named() -> None:
    assert missing("tests/test_safety.py") is None
    assert missing("tests/test_safety.py::test_a_mention_is_no_emergency") is None
    assert missing("BENCHMARKS.md#blind-rounds") is None
    assert missing("tests/no_such_file.py") == "no such file or folder"
    assert missing("tests/test_safety.py::test_nothing") == "no test named test_nothing in tests/test_safety.py"
    assert missing("BENCHMARKS.md#no-such-heading") == "no heading #no-such-heading in BENCHMARKS.md"


def test_every_hazard_the_issue_names_is_in_the_log(hazards: list[Hazard]) -> None:
    titles = [title(hazard).lower() for hazard in hazards]
    absent = [name for name, words in REQUIRED_HAZARDS.items() if not any(all(w in t for w in words) for t in titles)]
    assert not absent, f"the hazard log has no row for: {absent}"


def test_the_matrix_is_five_by_five_of_risks_one_to_five() -> None:
    risks = matrix()
    levels = range(1, 6)
    assert sorted(risks) == [(severity, likely) for severity in levels for likely in levels]
    assert set(risks.values()) == {1, 2, 3, 4, 5}
    assert all(risks[severity, likely] <= risks[severity + 1, likely] for severity in levels[:-1] for likely in levels)
    assert all(risks[severity, likely] <= risks[severity, likely + 1] for severity in levels for likely in levels[:-1])


def test_every_risk_is_read_off_the_matrix_and_controls_never_raise_it(hazards: list[Hazard]) -> None:
    risks, problems = matrix(), []
    for hazard in hazards:
        initial = RISK.fullmatch(hazard.initial.strip())
        residual = RISK.match(hazard.residual.strip())
        if not initial or not residual:
            problems.append(f"{hazard.id}: a risk must read 'S<severity>{TIMES}L<likelihood> = <risk>'")
            continue
        for severity, likely, risk in RISK.findall(hazard.initial) + RISK.findall(hazard.residual):
            read = risks[int(severity), int(likely)]
            if read != int(risk):
                problems.append(f"{hazard.id}: S{severity}{TIMES}L{likely} is {read} on the matrix, not {risk}")
        if int(residual.group(3)) > int(initial.group(3)):
            problems.append(f"{hazard.id}: the residual risk is higher than the initial risk")
    assert not problems, "\n".join(problems)


def test_security_and_the_hazard_log_name_each_other(hazards: list[Hazard]) -> None:
    security = SECURITY.read_text(encoding="utf-8")
    named_there = set(HAZARD_ID.findall(security))
    linking = {hazard.id for hazard in hazards if SECURITY_LINK.search(hazard.controls)}
    assert named_there <= {hazard.id for hazard in hazards}
    assert named_there == linking, (
        f"named in SECURITY.md only: {named_there - linking}; linked here only: {linking - named_there}"
    )
    document = DOCUMENT.read_text(encoding="utf-8")
    headings = anchors(SECURITY)
    assert [a for a in SECURITY_LINK.findall(document) if a and a not in headings] == []
    assert "docs/clinical-safety.md#hazard-log" in security and "hazard-log" in anchors(DOCUMENT)


def test_the_file_says_what_it_does_not_claim() -> None:
    document = DOCUMENT.read_text(encoding="utf-8")
    section = document.split("## What this file does not claim", 1)[1].split("\n## ", 1)[0].lower()
    assert "no regulatory approval" in section and "no clinical safety officer sign-off" in section
    assert "dcb0160" in section


def test_the_report_map_runs_and_finds_every_reference(hazards: list[Hazard]) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "safety_report.py"), "--map-only"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(f"{hazard.id}  {title(hazard)}" in done.stdout for hazard in hazards)
    assert "MISSING" not in done.stdout


def benchmarks_rows() -> list[tuple[str, ...]]:
    """The rows of BENCHMARKS.md's blind-round table: round name, then turns and every figure, bold removed."""
    lines = BENCHMARKS.read_text(encoding="utf-8").splitlines()
    rows = []
    for _, cells in table_rows(lines, lines.index("## Blind rounds")):
        named = re.search(r"round ([A-Z]+\d*)", cells[1])
        rows.append((named.group(1) if named else "", *(cell.replace("**", "") for cell in cells[2:9])))
    return rows


def as_row(scoring: dict[str, object]) -> tuple[str, ...]:
    """A scoring of blind-rounds.yaml as BENCHMARKS.md writes its row."""

    def fraction(key: str) -> str:
        right, asked = list(scoring[key])  # type: ignore[call-overload]
        return f"{right}/{asked}"

    return (
        str(scoring["round"]),
        str(scoring["turns"]),
        f"{scoring['overall']:.1f}%",
        fraction("emergencies"),
        str(scoring["false_alarms"]),
        fraction("advice"),
        fraction("answered_when_it_should_not"),
        str(scoring["invented_quotes"]),
    )


def test_every_blind_scoring_is_a_row_of_benchmarks_and_the_latest_row_is_recorded() -> None:
    scorings = [s for group in yaml.safe_load(BLIND_ROUNDS.read_text(encoding="utf-8"))["rounds"] for s in group["scorings"]]
    rows = benchmarks_rows()
    unmatched = [as_row(s) for s in scorings if as_row(s) not in rows]
    assert not unmatched, f"not in BENCHMARKS.md's blind-round table with these figures: {unmatched}"
    assert as_row(scorings[-1]) == rows[-1], "add BENCHMARKS.md's latest blind round to benchmarks/blind-rounds.yaml"
    assert [s["set"] for s in scorings if not (ROOT / str(s["set"])).is_file()] == []


def test_the_quoted_report_shows_the_latest_blind_round() -> None:
    document = DOCUMENT.read_text(encoding="utf-8")
    quoted = document.split("## The safety report", 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    assert re.match(rf"{TITLE}, \d{{4}}-\d\d-\d\d\n", quoted), "quote the output of `make safety-report`, with its date"
    latest = "\n".join(f"  {line}" for line in latest_round_lines())
    assert latest in quoted, "a blind round was added: run `make safety-report` and quote it in docs/clinical-safety.md"
