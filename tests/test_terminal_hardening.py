"""Terminal, reports and files: what a file or a person wrote is shown on a terminal, never obeyed; a replay's
JUnit report stays well-formed XML; `mbcbot record` keeps its transcript private; any message, however long,
gets its reply in bounded time, and an emergency in it still gets the emergency reply."""

from __future__ import annotations

import datetime
import io
import os
import re
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from knowledge_edits import PACK, SLIDES, slide_line, substitute
from mbcbot import console
from mbcbot.bot import Bot
from mbcbot.cli import main
from mbcbot.errors import shown
from mbcbot.model import Session
from mbcbot.text import pieces, printable

MBCBOT = str(Path(sys.executable).with_name("mbcbot"))
ESCAPES = "\x1b]0;pwned\x07\x1b[2J"  # an OSC that retitles the terminal, then a CSI that clears the screen
ESCAPES_YAML = "\\e]0;pwned\\a\\e[2J"  # the same, as a double-quoted YAML string writes it
ESCAPES_SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J"  # as mbcbot shows it
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what a terminal could act on: all but line ends and tabs
STYLES = re.compile(r"\x1b\[[0-9;]*m")  # the colours the terminal chat adds itself
GUARD_SECONDS = 20  # a guard against hangs, far above the time taken (about 0.4 s at worst on a 2-core machine)
FILLER = "We have been to so many appointments and I am writing it all down. "
SLOW_BEFORE = ("a b ", "metastases", "does cancer cause chest pain? ", "is fever a sign? ")  # 100 KB of the third: 110 s


def piped(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """`mbcbot ARGS` as a real process with `stdin` piped, in the tests' environment (see conftest.py)."""
    return subprocess.run([MBCBOT, *args], input=stdin, capture_output=True, timeout=GUARD_SECONDS)


def stdin_of(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Give in-process commands `data` as a piped (not a terminal) standard input."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def retitle_liver(root: Path) -> int:
    """Give slide 5 a title holding terminal escapes; returns the line of the title."""
    substitute(root / SLIDES, "title: Liver", f'title: "Liver{ESCAPES_YAML}"')
    return slide_line(root / SLIDES, 5, "title")


@pytest.fixture
def escaped_knowledge(knowledge_copy: Path) -> Path:
    """A knowledge copy whose slide 5 is titled with terminal escapes, and reviewed so (stamped again)."""
    retitle_liver(knowledge_copy)
    today = datetime.date.today().isoformat()
    assert main(["stamp", str(knowledge_copy / PACK), "--reviewer", "A Reviewer, MD", "--date", today]) == 0
    return knowledge_copy


def too_long(bot: Bot) -> str:
    """The reply to a message over the length limit, as knowledge/conversation.yaml words it."""
    rules = bot.knowledge.conversation
    return rules.lines["too_long"].format(max_chars=rules.max_message_chars)


# 1. Terminal escapes from data


def test_printable_writes_what_a_terminal_could_act_on_as_escapes() -> None:
    assert printable(f"a{ESCAPES}\tb\nc\r\x7f\x9b\ufffe\uffff é") == f"a{ESCAPES_SHOWN}\tb\nc\\x0d\\x7f\\x9b\\ufffe\\uffff é"


def test_pieces_cut_a_long_text_at_sentence_ends_then_spaces() -> None:
    assert pieces("One. Two three. Four", 11) == ["One. ", "Two three. ", "Four"]
    assert pieces("abcdefghijkl", 5) == ["abcde", "fghij", "kl"]
    assert pieces("ab cdefg hi", 5) == ["ab ", "cdefg", " hi"]
    assert pieces("short", 1000) == ["short"]


def test_ask_shows_a_titles_escapes_and_never_obeys_them(escaped_knowledge: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["ask", "--knowledge", str(escaped_knowledge), "liver"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Liver{ESCAPES_SHOWN} (slide 5 of 8):"
    assert not CONTROLS.findall(out)


def test_piped_chat_shows_a_titles_escapes_and_never_obeys_them(escaped_knowledge: Path) -> None:
    done = piped("chat", "--knowledge", str(escaped_knowledge), stdin=b"liver\ntopics\n")
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode()
    assert f"Liver{ESCAPES_SHOWN} (slide 5 of 8):" in out.splitlines()
    assert f"Bones, Liver{ESCAPES_SHOWN}, Lungs" in out  # the topics
    assert not CONTROLS.findall(out)


def test_the_terminal_chat_colours_only_its_own_text(escaped_knowledge: Path) -> None:
    reply, _ = Bot.load(escaped_knowledge).reply("liver", Session())
    text = console.as_text(reply, color=True, explain=True, width=80)
    assert f"Liver{ESCAPES_SHOWN} (slide 5 of 8):" in text.splitlines()
    assert not CONTROLS.findall(STYLES.sub("", text))


def test_check_names_a_changed_title_without_obeying_it(knowledge_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = retitle_liver(knowledge_copy)
    capsys.readouterr()
    assert main(["check", "--knowledge", str(knowledge_copy)]) == 1
    out, err = capsys.readouterr()
    where = shown(knowledge_copy / SLIDES)
    assert out.startswith(f"{where}:{line}: the title of slide 5 (Liver{ESCAPES_SHOWN}) has changed since its review on ")
    assert not CONTROLS.findall(out + err)


def test_an_error_shows_a_paths_escapes_and_never_obeys_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / f"no{ESCAPES}where"
    capsys.readouterr()
    assert main(["ask", "--knowledge", str(missing), "liver"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"mbcbot: the knowledge cannot be served:\n{shown(tmp_path)}/no{ESCAPES_SHOWN}where:1: knowledge folder not found\n"
    )


def test_a_bad_argument_is_shown_and_never_obeyed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_code:
        main(["ask", f"--x{ESCAPES}", "liver"])
    assert exit_code.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"mbcbot: error: unrecognized arguments: --x{ESCAPES_SHOWN}"


def test_replay_diffs_show_a_transcripts_escapes_and_never_obey_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = tmp_path / "escapes.yaml"
    transcript.write_text(f'title: Escapes\nturns:\n  - user: "liver{ESCAPES_YAML}"\n    text: "pinned{ESCAPES_YAML}"\n')
    capsys.readouterr()
    assert main(["replay", str(transcript)]) == 1
    out = capsys.readouterr().out
    assert f"  -  pinned{ESCAPES_SHOWN}" in out.splitlines()  # the diff of the pinned text
    assert not CONTROLS.findall(out)


# 2. JUnit XML


def test_the_junit_report_is_well_formed_whatever_a_transcript_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = "\\x01 \\e[2J \\f \\ufffe \\uffff"  # escaped in YAML; raw in the convo file below
    (tmp_path / "odd.yaml").write_text(f'title: "Odd{ESCAPES_YAML}"\nturns:\n  - user: "liver{odd}"\n    text: "pinned{odd}"\n')
    (tmp_path / "raw.convo.txt").write_text("Raw \x01\x1b\x7f\ufffe\uffff\n#me\nliver\x1b[2J\n#bot\npinned\x01\ufffe\n")
    (tmp_path / "broken.yaml").write_text('title: Broken\nturns:\n  - user: x\n    "bad\\x01\\uffffkey": 1\n')
    report = tmp_path / "report.xml"
    capsys.readouterr()
    assert main(["replay", str(tmp_path), "--junit", str(report)]) == 2
    suite = ElementTree.fromstring(report.read_text(encoding="utf-8"))[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "1")
    failures = {case.get("name", "").rsplit("/", 1)[-1]: case[0] for case in suite if len(case)}
    assert failures["odd.yaml"].get("message") == f"1 of 1 turns differ: Odd{ESCAPES_SHOWN}"
    assert "  -  pinned\\x01 \\x1b[2J " in (failures["odd.yaml"].text or "").splitlines()
    assert "\\ufffe \\uffff" in (failures["odd.yaml"].text or "")
    assert "\\x1b[2J" in (failures["raw.convo.txt"].text or "")
    assert "unknown key 'bad\\x01\\uffffkey'" in (failures["broken.yaml"].text or "")


# 3. `mbcbot record` keeps what was typed private


def _record(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdin_of(monkeypatch, b"liver\n")
    assert main(["record", str(path)]) == 0


def test_record_creates_its_transcript_for_its_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = os.umask(0o022)  # the usual umask: a file is made 0644 unless asked otherwise
    try:
        _record(tmp_path / "new.yaml", monkeypatch)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o600
    assert "user: liver" in (tmp_path / "new.yaml").read_text(encoding="utf-8")
    assert [path.name for path in tmp_path.iterdir()] == ["new.yaml"]  # no temporary file left behind


def test_record_makes_an_existing_transcript_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = tmp_path / "old.yaml"
    existing.write_text("title: Old\n")
    existing.chmod(0o644)
    _record(existing, monkeypatch)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert "user: liver" in existing.read_text(encoding="utf-8")


def test_record_replaces_a_planted_link_and_never_writes_through_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "someone-elses.txt"
    other.write_text("keep me\n")
    planted = tmp_path / "talk.yaml"
    planted.symlink_to(other)
    _record(planted, monkeypatch)
    assert other.read_text() == "keep me\n"
    assert not planted.is_symlink()
    assert stat.S_IMODE(planted.stat().st_mode) == 0o600
    assert "user: liver" in planted.read_text(encoding="utf-8")


# 4. Any message gets its reply in bounded time


@pytest.mark.parametrize("size", [100_000, 1_000_000], ids=["100KB", "1MB"])
@pytest.mark.parametrize("words", SLOW_BEFORE)
@pytest.mark.parametrize("command", ["chat", "ask"])
def test_a_huge_pasted_line_gets_the_too_long_reply(bot: Bot, command: str, words: str, size: int) -> None:
    done = piped(command, stdin=(words * (size // len(words) + 1))[:size].encode() + b"\n")
    assert (done.returncode, done.stdout.decode("utf-8"), done.stderr) == (0, f"{too_long(bot)}\n\n", b"")


@pytest.mark.parametrize("size", [100_000, 1_000_000], ids=["100KB", "1MB"])
@pytest.mark.parametrize("words", SLOW_BEFORE)
def test_the_engine_answers_a_huge_message_in_bounded_time(bot: Bot, words: str, size: int) -> None:
    started = time.perf_counter()
    reply, _ = bot.reply((words * (size // len(words) + 1))[:size], Session())
    assert (reply.kind, reply.rule, reply.text) == ("fallback", "input:too-long", too_long(bot))
    assert time.perf_counter() - started < GUARD_SECONDS


@pytest.mark.parametrize("size", [100_000, 1_000_000], ids=["100KB", "1MB"])
def test_a_huge_message_that_starts_with_an_emergency_gets_the_emergency_reply(bot: Bot, size: int) -> None:
    message = ("I can't breathe. " + FILLER * (size // len(FILLER)))[:size]
    reply, _ = bot.reply(message, Session())
    assert (reply.kind, reply.rule) == ("emergency", "emergency:breathing")
    done = piped("chat", stdin=message.encode() + b"\n")
    assert done.returncode == 0 and done.stdout.decode("utf-8") == console.as_text(reply) + "\n\n"


def test_a_long_message_is_read_whole_for_safety_however_far_apart_its_words(bot: Bot) -> None:
    story = FILLER * 1400  # 94 KB: read in pieces, each knowing what all of them remember
    for message in (
        "It has spread to her brain. " + story + "Tonight she has a headache and keeps being sick.",
        "Tonight she has a headache and keeps being sick. " + story + "It has spread to her brain.",
    ):
        reply, _ = bot.reply(message, Session())
        assert (reply.kind, reply.rule) == ("emergency", "emergency:stroke-signs")
    reply, _ = bot.reply("Tonight she has a headache and keeps being sick. " + story, Session())
    assert (reply.kind, reply.rule) == ("fallback", "input:too-long")


def test_json_lines_carry_delete_and_c1_characters_as_escapes() -> None:
    from mbcbot.model import Reply

    line = console.as_json(Reply("fallback", "a\x7fb\x9b2Jc"))
    assert "\x7f" not in line and "\x9b" not in line
    assert '"a\\u007fb\\u009b2Jc"' in line


def test_a_history_file_that_is_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    from mbcbot.chat import private_history
    from mbcbot.errors import MbcbotError

    pipe = tmp_path / "history"
    os.mkfifo(pipe)
    with pytest.raises(MbcbotError, match=f"the history file {pipe} cannot be written"):
        private_history(pipe)


def test_a_history_file_is_created_for_its_owner_only(tmp_path: Path) -> None:
    from mbcbot.chat import private_history

    private_history(tmp_path / "history")
    assert stat.S_IMODE(os.stat(tmp_path / "history").st_mode) == 0o600
