"""The command line, in-process and as a real process: help, JSON contract, stdin, errors, exit codes."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_edits import PACK, SLIDES, STAMP, slide_line, substitute
from mbcbot import __version__
from mbcbot.cli import main, parser

CONTRACT = {
    "kind", "slides", "quotes", "text", "sources", "notice", "suggestions", "rule", "intro", "passages", "lines", "hints", "call",
    "uncovered",
}  # fmt: skip
FILE_LINE = re.compile(r"^\S+\.yaml:\d+: \S", re.MULTILINE)


def commands() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser, by name."""
    for action in parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("mbcbot has no subcommands")


def run(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None, python: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[bytes]:
    """`python [PYTHON] -m mbcbot ARGS` as a separate process, in the tests' environment (see conftest.py)."""
    return subprocess.run(
        [sys.executable, *python, "-m", "mbcbot", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def json_lines(done: subprocess.CompletedProcess[bytes]) -> list[dict[str, object]]:
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines() if line.strip()]


def break_slide_5(root: Path) -> int:
    """Change one word of slide 5 without a review; returns the line the loader must name."""
    substitute(root / SLIDES, "liver, you may have pain", "liver, you might have pain")
    return slide_line(root / SLIDES, 5, "text")


def test_the_commands_are_these() -> None:
    assert set(commands()) == {"chat", "ask", "check", "stamp", "replay", "record", "serve", "embed"}


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    command = commands()[name]
    assert command.description, f"{name} has no description"
    with pytest.raises(SystemExit) as leaving:
        main([name, "--help"])
    assert leaving.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert shown.startswith(f"usage: mbcbot {name}")
    assert " ".join(command.description.split()) in shown
    for action in command._actions:
        assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_main_help_lists_commands_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        main(["--help"])
    assert leaving.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in commands())
    assert "Exit codes" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        main(["--version"])
    assert leaving.value.code == 0
    assert capsys.readouterr().out.strip() == f"mbcbot {__version__}"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        main([])
    assert leaving.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_ask_json_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "liver"]) == 0
    out = capsys.readouterr().out
    [line] = out.splitlines()
    reply = json.loads(line)
    assert set(reply) == CONTRACT
    assert (reply["kind"], reply["slides"], reply["rule"]) == ("answer", [5], "match")
    assert reply["sources"][0]["reviewer"] == "Brunilda Nazario, MD"


def test_ask_explain_adds_an_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "--explain", "liver"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert set(reply) == CONTRACT | {"explanation"}


def test_ask_reads_one_question_per_line() -> None:
    replies = json_lines(run("ask", "--json", stdin=b"liver\nhello\nwhat is jaundice\n"))
    assert [(r["kind"], r["slides"]) for r in replies] == [("answer", [5]), ("greeting", []), ("answer", [5])]
    assert all(set(reply) == CONTRACT for reply in replies)


def test_ask_lines_are_independent() -> None:
    replies = json_lines(run("ask", "--json", stdin=b"liver\nmore\n"))
    assert [r["kind"] for r in replies] == ["answer", "help"]


def test_chat_with_piped_stdin_is_one_conversation() -> None:
    replies = json_lines(run("chat", "--json", stdin=b"liver\nmore\nnext\n"))
    assert [r["slides"] for r in replies] == [[5], [5], [6]]
    assert [r["rule"] for r in replies] == ["match", "command:more", "command:next"]


def test_chat_plain_text() -> None:
    done = run("chat", stdin=b"slide 3\n")
    assert done.returncode == 0
    assert done.stdout.decode("utf-8").startswith("Lymph Nodes (slide 3 of 8):")


@pytest.mark.parametrize(
    "line",
    [b"", b"   \t  ", b"x" * 5000, b"\x00\x01\x02\x07\x1b\x7f\x08", b"\x1b[A\x1b[B", b"\xff\xfe\xc3\x28\xa0\xa1"],
    ids=["blank", "spaces", "5000-chars", "control-characters", "arrow-keys", "invalid-utf8"],
)
@pytest.mark.parametrize("command", ["ask", "chat"])
def test_odd_input_gets_one_polite_reply(command: str, line: bytes) -> None:
    done = run(command, "--json", stdin=line + b"\n")
    assert done.stderr == b""
    [reply] = json_lines(done)
    assert reply["kind"] == "fallback"
    assert reply["text"] and reply["quotes"] == []


def test_invalid_utf8_does_not_stop_the_next_lines() -> None:
    replies = json_lines(run("ask", "--json", stdin=b"\xff\xfe\nliver\n"))
    assert [r["kind"] for r in replies] == ["fallback", "answer"]


@pytest.mark.parametrize("command", [["ask", "liver"], ["chat"], ["check"]])
def test_missing_knowledge_folder(tmp_path: Path, command: list[str]) -> None:
    done = run(*command, "--knowledge", str(tmp_path / "nowhere"))
    assert done.returncode == (1 if command == ["check"] else 2)
    err = done.stderr.decode() + done.stdout.decode()
    assert "nowhere:1: knowledge folder not found" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["ask", "liver"], ["chat", "--json"]])
def test_broken_knowledge_is_refused_before_answering(knowledge_copy: Path, command: list[str]) -> None:
    line = break_slide_5(knowledge_copy)
    done = run(*command, "--knowledge", str(knowledge_copy), stdin=b"liver\n")
    assert (done.returncode, done.stdout) == (2, b"")
    err = done.stderr.decode()
    assert f"slides.yaml:{line}: slide 5 (Liver) has changed" in err
    assert FILE_LINE.search(err)
    assert "Traceback" not in err


def test_check_lists_every_problem(knowledge_copy: Path) -> None:
    text_line = break_slide_5(knowledge_copy)
    regex_line = substitute(knowledge_copy / "conversation.yaml", "  more: '(", "  more: '((")
    (knowledge_copy / "lexicon.yaml").write_text(
        "stopwords: []\nforms: {}\nsynonyms:\n  zebra: [stripy horse]\nnot_covered: []\n"
    )
    done = run("check", "--knowledge", str(knowledge_copy))
    assert done.returncode == 1
    out = done.stdout.decode().splitlines()
    assert len(out) == 3 and all(FILE_LINE.match(line) for line in out)
    for where, fragment in [
        (f"slides.yaml:{text_line}:", "slide 5"),
        (f"conversation.yaml:{regex_line}:", "not a valid regular expression"),
        ("lexicon.yaml:4:", "synonym target 'zebra'"),
    ]:
        assert any(where in line and fragment in line for line in out), f"{where} {fragment} not in {out}"
    assert "3 problem(s)" in done.stderr.decode()


def test_check_real_knowledge_warns_about_an_old_review() -> None:
    done = run("check")
    assert done.returncode == 0, done.stdout.decode()
    out = done.stdout.decode().splitlines()
    [warning] = [line for line in out if line.startswith("warning:")]
    assert PACK in warning and "January 19, 2022" in warning and "the limit is 3 years" in warning
    assert out[-1].startswith("ok: 1 pack(s), 8 slides")


def test_check_with_a_longer_review_age_does_not_warn() -> None:
    done = run("check", "--max-review-age", "10")
    assert done.returncode == 0
    assert "warning:" not in done.stdout.decode()


def test_stamp_restamps_a_changed_pack(knowledge_copy: Path) -> None:
    break_slide_5(knowledge_copy)
    assert run("check", "--knowledge", str(knowledge_copy)).returncode == 1
    today = datetime.date.today().isoformat()
    done = run("stamp", str(knowledge_copy / PACK), "--reviewer", "Test Reviewer, MD", "--date", today)
    assert done.returncode == 0, done.stderr.decode()
    assert "stamped 8 slides" in done.stdout.decode()
    stamp = (knowledge_copy / STAMP).read_text(encoding="utf-8")
    assert "reviewer: 'Test Reviewer, MD'" in stamp and f"date: {today}" in stamp
    checked = run("check", "--knowledge", str(knowledge_copy))
    assert checked.returncode == 0 and "warning:" not in checked.stdout.decode()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--reviewer", "X", "--date", "19/01/2022"], "argument --date"),
        (["--reviewer", " ", "--date", "2022-01-19"], "must not be empty"),
    ],
)
def test_stamp_refuses_bad_arguments(knowledge_copy: Path, options: list[str], message: str) -> None:
    before = (knowledge_copy / STAMP).read_bytes()
    done = run("stamp", str(knowledge_copy / PACK), *options)
    assert done.returncode == 2
    assert message in done.stderr.decode()
    assert (knowledge_copy / STAMP).read_bytes() == before


def test_emergency_number_option() -> None:
    [reply] = json_lines(run("ask", "--json", "--emergency-number", "999", "I can't breathe"))
    assert reply["kind"] == "emergency"
    assert "dial 999" in str(reply["text"])


def test_emergency_number_from_the_environment() -> None:
    [reply] = json_lines(run("ask", "--json", "I can't breathe", env={"MBCBOT_EMERGENCY_NUMBER": "112"}))
    assert "dial 112" in str(reply["text"])


@pytest.mark.parametrize("command", [["ask", "liver"], ["chat"]])
def test_line_mode_does_not_import_prompt_toolkit(command: list[str]) -> None:
    done = run(*command, stdin=b"liver\n", python=("-X", "importtime"))
    assert done.returncode == 0
    imported = done.stderr.decode()
    assert "mbcbot.console" in imported
    assert "prompt_toolkit" not in imported
