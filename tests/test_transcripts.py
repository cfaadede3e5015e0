"""Transcripts: the format, the expectation matcher, diffs, exit codes, JUnit, --update, record, coverage."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from mbcbot.bot import Bot
from mbcbot.cli import main
from mbcbot.replaying import replay_all
from mbcbot.transcripts import load_transcript, mismatches, replayed
from mbcbot.yamlfile import MAX_FILE_BYTES

LIVER = """title: Liver
turns:
  - user: what happens if it spreads to the liver
    kind: answer
    slides: [5]
    quotes: ["If breast cancer spreads to your liver"]
    sources: true
    notice: true
    contains: [belly]
    not_contains: [lung cancer]
    regex: 'slide 5 of \\d'
  - user: next
    slides: [6]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mbcbot", *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_a_transcript_loads_with_its_expectations(tmp_path: Path) -> None:
    transcript, problems = load_transcript(write(tmp_path, "liver.yaml", LIVER))
    assert problems == []
    assert transcript is not None
    assert transcript.title == "Liver"
    assert [turn.user for turn in transcript.turns] == ["what happens if it spreads to the liver", "next"]
    assert transcript.turns[0].line == 3
    assert transcript.turns[0].expect["contains"] == ["belly"]
    assert transcript.turns[1].expect == {"slides": [6]}


def test_every_expectation_matches_a_right_reply(bot: Bot, tmp_path: Path) -> None:
    transcript, _ = load_transcript(write(tmp_path, "liver.yaml", LIVER))
    assert transcript is not None
    result = replayed(bot, transcript)
    assert [turn.failures for turn in result.turns] == [(), ()]


def test_each_expectation_reports_its_own_mismatch(bot: Bot) -> None:
    reply, _ = bot.reply("what happens if it spreads to the liver")
    expect = {
        "kind": "fallback",
        "slides": [6],
        "rule": "not-covered",
        "text": "something else",
        "contains": ["lungs"],
        "not_contains": ["belly"],
        "regex": ["^Lungs"],
        "quotes": ["a passage never quoted"],
        "sources": False,
        "notice": False,
    }
    found = list(mismatches(expect, reply))
    assert found == [
        "kind: expected fallback, got answer",
        "slides: expected [6], got [5]",
        "rule: expected not-covered, got match",
        "text: differs from the pinned reply",
        "contains: 'lungs' is not in the reply",
        "not_contains: 'belly' is in the reply",
        "regex: '^Lungs' does not match the reply",
        "quotes: the reply does not quote 'a passage never quoted'",
        "sources: expected no sources",
        "notice: expected no notice in the reply",
    ]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("title: x\n", 1, "has no 'turns'"),
        ("title: x\nturns: []\n", 2, "has no turns"),
        ("title: x\nturns:\n  - user: hi\n    kind: [answer]\n", 4, "'kind' must be text"),
        ("title: x\nturns:\n  - user: hi\n    slides: five\n", 4, "'slides' must be a list of slide numbers"),
        ("title: x\nturns:\n  - user: hi\n    colour: red\n", 4, "unknown key 'colour'"),
        ("title: x\nturns:\n  - user: 42\n", 3, "'user' must be text"),
        ("title: x\nturns:\n  - user: hi\n    regex: '('\n", 4, "not a valid regular expression"),
        ("title: x\nturns:\n  - user: hi\n  user: again\n", 4, "YAML syntax error"),
        ("turns:\n  - user: hi\n", 1, "has no 'title'"),
    ],
)
def test_a_malformed_transcript_names_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    transcript, problems = load_transcript(write(tmp_path, "bad.yaml", text))
    assert transcript is None
    assert any(p.line == line and fragment in p.message and p.file.endswith("bad.yaml") for p in problems), problems


def _alias_bomb() -> bytes:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    return ("title: x\nturns:\n  - user: hi\n" + "\n".join(rows) + "\n").encode("utf-8")


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        pytest.param(b"title: x\nturns:\n\t- user: hi\n", 3, "a tab character", id="tab-indented"),
        pytest.param(b"title: x\nturns:\n  - user: hi\n\tkind: answer\n", 4, "a tab character", id="tab-in-a-turn"),
        pytest.param(b"title: x\nturns:\n  - user: caf\xe9\n", 3, "is not valid UTF-8", id="invalid-utf8"),
        pytest.param(b"", 1, "file is empty", id="empty-file"),
        pytest.param(b"# a title comes later\n\n", 1, "file is empty", id="only-comments"),
        pytest.param(_alias_bomb(), 4, "YAML aliases (*name) are not allowed", id="alias-bomb"),
        pytest.param(b"- user: hi\n- user: there\n", 1, "a transcript must be a mapping, not a list", id="top-level-list"),
        pytest.param(
            b"title: x\nturns:\n  - user: hi\n" + b"#" * MAX_FILE_BYTES + b"\n",
            1,
            f"the limit is {MAX_FILE_BYTES}",
            id="over-the-size-cap",
        ),
        pytest.param(b"title: x\nturns:\n  - user: hi\n  - {}\n  - user: bye\n", 4, "a turn has no 'user'", id="empty-turn"),
    ],
)
def test_an_unreadable_transcript_names_file_and_line_and_the_others_still_run(
    bot: Bot, tmp_path: Path, content: bytes, line: int, fragment: str
) -> None:
    write(tmp_path, "good.yaml", LIVER)
    (tmp_path / "bad.yaml").write_bytes(content)
    results, problems = replay_all(bot, [tmp_path])
    assert [Path(result.transcript.path).name for result in results] == ["good.yaml"]
    assert [result.failed for result in results] == [()]
    assert problems and all(p.file.endswith("bad.yaml") and p.line >= 1 and p.message for p in problems), problems
    assert any(p.line == line and fragment in p.message for p in problems), problems


def test_replay_exit_codes_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.yaml", LIVER)
    assert main(["replay", str(good)]) == 0
    assert capsys.readouterr().out.strip().endswith("2 of 2 turns matched in 1 transcripts")
    bad = write(tmp_path, "bad.yaml", LIVER.replace("slides: [6]", "slides: [7]"))
    assert main(["replay", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "bad.yaml:12: turn 2: 'next'" in out
    assert "-slides: [7]\n  +slides: [6]" in out
    assert out.strip().endswith("3 of 4 turns matched in 2 transcripts")


def test_a_malformed_transcript_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "good.yaml", LIVER)
    write(tmp_path, "broken.yaml", "title: x\nturns: [\n")
    assert main(["replay", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "broken.yaml:" in captured.err and "YAML syntax error" in captured.err
    assert "2 of 2 turns matched in 1 transcripts; 1 transcript(s) could not be read" in captured.out


def test_a_missing_path_is_unusable_input(tmp_path: Path) -> None:
    assert main(["replay", str(tmp_path / "nowhere")]) == 2


def test_junit_xml_has_one_testcase_per_transcript(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", LIVER)
    write(tmp_path, "b.yaml", LIVER.replace("slides: [6]", "slides: [7]"))
    write(tmp_path, "c.yaml", "title: x\n")
    report = tmp_path / "out" / "replay.xml"
    assert main(["replay", str(tmp_path), "--junit", str(report)]) == 2
    suite = ElementTree.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = {case.get("name", "").rsplit("/", 1)[-1]: case for case in suite.iter("testcase")}
    assert sorted(cases) == ["a.yaml", "b.yaml", "c.yaml"]
    failure = cases["b.yaml"].find("failure")
    assert failure is not None and "+slides: [6]" in (failure.text or "")
    assert cases["c.yaml"].find("error") is not None
    assert cases["a.yaml"].find("failure") is None


def test_update_rewrites_only_the_pinned_replies_that_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path, "pinned.yaml", "# keep this header\n" + LIVER.replace("slides: [6]", "slides: [7]\n    contains: lungs")
    )
    assert main(["replay", str(path), "--update"]) == 0
    out = capsys.readouterr().out
    assert "updated" in out and "+slides: [6]" in out
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# keep this header\n")
    assert "slides: [6]" in text and "contains: lungs" in text
    assert main(["replay", str(path)]) == 0


def test_record_through_piped_stdin_writes_a_golden_transcript(tmp_path: Path) -> None:
    path = tmp_path / "golden.yaml"
    done = run_cli("record", str(path), stdin="hello\nwhat happens if it spreads to the liver\nmore\n")
    assert done.returncode == 0, done.stderr
    transcript, problems = load_transcript(path)
    assert problems == [] and transcript is not None
    assert [turn.expect["kind"] for turn in transcript.turns] == ["greeting", "answer", "answer"]
    assert transcript.turns[1].expect["slides"] == [5]
    assert "If breast cancer spreads to your liver" in transcript.turns[1].expect["text"]
    assert run_cli("replay", str(path)).returncode == 0


def test_botium_convo_files_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path, "liver.convo.txt", "Liver question\n#me\nwhat happens if it spreads to the liver\n#bot\nbelly\n!lung cancer\n"
    )
    assert main(["replay", str(tmp_path)]) == 0
    write(tmp_path, "wrong.convo.txt", "Wrong\n#me\nliver\n#bot\nseizures\n")
    assert main(["replay", str(tmp_path)]) == 1
    write(tmp_path, "odd.convo.txt", "Odd\n#begin\nx\n")
    assert main(["replay", str(tmp_path)]) == 2
    assert "odd.convo.txt:2: unsupported Botium section" in capsys.readouterr().err


def test_coverage_lists_what_is_exercised_and_missed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "liver.yaml", LIVER)
    assert main(["replay", str(tmp_path), "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "slides: 2 of 8 exercised" in out
    assert "missed slide 1 When Cancer Goes Beyond Your Breast" in out
    assert "missed emergency:seizure-now" in out
    assert "missed intent:greeting" in out


def test_the_starter_suite_passes_and_covers_everything(capsys: pytest.CaptureFixture[str]) -> None:
    suite = Path(__file__).resolve().parents[1] / "transcripts"
    assert len(list(suite.glob("*.yaml"))) >= 30
    assert main(["replay", str(suite), "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "missed" not in out, out
