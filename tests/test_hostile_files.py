"""Hostile knowledge and transcripts (issue #14): a mistake gives `file:line` and a clear message, never a hang or a
crash. Files that never end (a pipe, a device, a link to /dev/zero), framing lines whose placeholders carry a format,
numbers and dates YAML reads otherwise than meant, and regular expressions that backtrack catastrophically.

A case that would hang without its fix runs `mbcbot` in a subprocess, so the hang ends at a generous timeout."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_edits import KNOWLEDGE, PACK, PACK_LEXICON, PACK_META, STAMP, lines_of
from mbcbot.bot import Bot
from mbcbot.cli import main
from mbcbot.errors import Problem
from mbcbot.knowledge import load_knowledge, unreviewed_pack
from mbcbot.regexes import MAX_DEPTH, MAX_PATTERN_CHARS, regex_problem
from mbcbot.review import stamp_text, stamped
from mbcbot.transcripts import load_transcript
from mbcbot.yamlfile import MAX_NUMBER_CHARS, read_yaml
from test_broken_knowledge import (
    CONVERSATION,
    LEXICON,
    Break,
    Expected,
    in_conversation,
    lexicon,
    problems_of,
    reported,
    substituted,
)

needs_pipes = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX only")
needs_dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
PIPE = "is a named pipe, not a regular file: replace it with the file itself"
DEVICE = "is a device, not a regular file: replace it with the file itself"
LIVER = "title: Liver\nturns:\n  - user: what happens if it spreads to the liver\n    slides: [5]\n"
NESTED = r"\b(\w+\s?)+xq$"  # one 13-word question took over 30 seconds
NESTED_TOLD = (
    "can take minutes on one message: the repeated group '(\\w+\\s?)+' holds '\\w+', which can run on into the group's "
    "next repetition; begin or end each repetition with something '\\w+' cannot match, as in '( [a-z]+)*' rather than "
    "'([a-z]+ ?)*'"
)


@pytest.fixture
def small_copy(knowledge_copy: Path) -> Path:
    """A copy of the knowledge with an empty lexicon, as test_broken_knowledge uses: each problem shows alone, fast."""
    (knowledge_copy / LEXICON).write_text(lexicon(), encoding="utf-8")
    (knowledge_copy / PACK_LEXICON).unlink()
    return knowledge_copy


def mbcbot(*args: str) -> subprocess.CompletedProcess[str]:
    """`mbcbot ARGS` in its own process: a hang is a failed test at the timeout, not a stuck run."""
    return subprocess.run([sys.executable, "-m", "mbcbot", *args], capture_output=True, text=True, timeout=120)


def pipe_at(path: Path) -> Path:
    """A named pipe in place of the file at `path` (nobody ever writes to it)."""
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    return path


def zero_at(path: Path) -> Path:
    """A link to /dev/zero, endless, in place of the file at `path`."""
    if path.exists():
        path.unlink()
    path.symlink_to("/dev/zero")
    return path


# 1. Files that never end


@needs_pipes
def test_a_named_pipe_for_a_knowledge_file_is_refused_not_waited_on(small_copy: Path) -> None:
    path = pipe_at(small_copy / CONVERSATION)
    run = mbcbot("check", "--knowledge", str(small_copy))
    assert run.returncode == 1, run.stderr
    assert f"{path}:1: {PIPE}" in (run.stdout + run.stderr).splitlines()


@needs_dev_zero
def test_a_link_to_dev_zero_is_refused_not_read_forever(small_copy: Path) -> None:
    path = zero_at(small_copy / PACK / "slides.yaml")
    run = mbcbot("check", "--knowledge", str(small_copy))
    assert run.returncode == 1, run.stderr
    assert f"{path}:1: {DEVICE}" in (run.stdout + run.stderr).splitlines()


def test_reading_yaml_refuses_a_folder_by_what_it_is(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir()
    message = "is a folder, not a regular file: replace it with the file itself"
    assert read_yaml(tmp_path / "folder.yaml") == (None, [Problem(str(tmp_path / "folder.yaml"), 1, message)])


@needs_pipes
@pytest.mark.parametrize("name", [PACK_LEXICON, PACK_META, STAMP], ids=["optional-pack-lexicon", "pack-yaml", "stamp"])
def test_a_pipe_in_place_of_an_optional_or_marker_file_is_refused_not_passed_over(small_copy: Path, name: str) -> None:
    pipe_at(small_copy / name)
    problems = problems_of(small_copy)
    assert reported(problems, Expected(name, 1, PIPE)), "\n".join(map(str, problems))


@needs_pipes
def test_a_stray_pipe_in_the_knowledge_folder_does_not_stop_the_bot(small_copy: Path) -> None:
    """The cache's fingerprint reads every file of the folder: it must pass a pipe by, not wait on it."""
    pipe_at(small_copy / "notes")
    run = mbcbot("ask", "--knowledge", str(small_copy), "what happens if it spreads to the liver")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Liver (slide 5 of 8):")


@needs_pipes
@needs_dev_zero
def test_transcripts_that_never_end_are_refused_and_the_others_still_run(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(LIVER, encoding="utf-8")
    pipe, zero = pipe_at(tmp_path / "pipe.yaml"), zero_at(tmp_path / "zero.convo.txt")
    run = mbcbot("replay", str(tmp_path))
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"{pipe}:1: {PIPE}", f"{zero}:1: {DEVICE}"]
    assert run.stdout.strip().endswith("1 of 1 turns matched in 1 transcripts; 2 transcript(s) could not be read")


@needs_dev_zero
@pytest.mark.parametrize("name", ["zero.yaml", "zero.convo.txt"])
def test_a_transcript_named_on_the_command_line_that_never_ends_is_refused(tmp_path: Path, name: str) -> None:
    zero = zero_at(tmp_path / name)
    run = mbcbot("replay", str(zero))
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"{zero}:1: {DEVICE}"]


# 2. Placeholders of framing lines: only the line's own, written plainly

ALL_LINES_MAY_USE = (
    "{count}, {emergency_number}, {pack_title}, {pack_titles}, {publisher}, {review_date}, {reviewer}, {slideshows}, {topics}"
)
PLACEHOLDER_CASES: dict[str, Break] = {
    "huge-width": in_conversation(
        "  first_slide:",
        "  first_slide: 'This is slide {count:>300000000}.'",
        "line 'first_slide' writes the placeholder {count:>300000000} with a format: write it plainly, as {count}",
    ),
    "percent-format": in_conversation(
        "  no_such_slide:",
        "  no_such_slide: 'There is no slide {number:%}.'",
        "line 'no_such_slide' writes the placeholder {number:%} with a format: write it plainly, as {number}",
    ),
    "conversion": in_conversation(
        "  slide_name:",
        "  slide_name: '{title!r} (slide {number})'",
        "line 'slide_name' writes the placeholder {title!r} with a format: write it plainly, as {title}",
    ),
    "nested-width": in_conversation(
        "  slide_name:",
        "  slide_name: '{title:{number}} (slide {number})'",
        "line 'slide_name' writes the placeholder {title:{number}} with a format: write it plainly, as {title}",
    ),
    "attribute": in_conversation(
        "  first_slide:",
        "  first_slide: '{count.__class__}'",
        f"line 'first_slide' has an unknown placeholder {{count.__class__}}: it may use {ALL_LINES_MAY_USE}",
    ),
    "another-lines-placeholder": in_conversation(
        "  first_slide:",
        "  first_slide: 'This is {title}.'",
        f"line 'first_slide' has an unknown placeholder {{title}}: it may use {ALL_LINES_MAY_USE}",
    ),
    "slideshow-names-itself": in_conversation(
        "  slideshow:", "  slideshow: '{slideshows}'", "line 'slideshow' has an unknown placeholder {slideshows}: it may use"
    ),
    "widget-line-placeholder": in_conversation(
        "  widget_send:",
        "  widget_send: 'Ask about {topics}.'",
        "line 'widget_send' has an unknown placeholder {topics}: it has none",
    ),
    "widget-emergency-line-without-the-number": in_conversation(
        "  widget_emergency:",
        "  widget_emergency: If you need help urgently, call your doctor.",
        "line 'widget_emergency' must name the number to call, as {emergency_number}",
    ),
    "widget-emergency-line-with-another-placeholder": in_conversation(
        "  widget_emergency:",
        "  widget_emergency: 'Call {emergency_number} or see {topics}.'",
        "line 'widget_emergency' has an unknown placeholder {topics}: it may use {emergency_number}",
    ),
}


@pytest.mark.parametrize("name", sorted(PLACEHOLDER_CASES))
def test_a_framing_line_with_a_formatted_or_foreign_placeholder_is_refused(small_copy: Path, name: str) -> None:
    assert_refused(small_copy, PLACEHOLDER_CASES[name])


def assert_refused(copy: Path, case: Break) -> None:
    """The knowledge copy, broken as `case` says, is refused with the problem it expects."""
    expected = case(copy)
    problems = problems_of(copy)
    assert reported(problems, expected), f"wanted {expected}, got:\n" + "\n".join(map(str, problems))


# 3. Numbers and dates

NUMBER_CASES: dict[str, Break] = {
    "5000-digit-limit": in_conversation(
        "  max_message_chars:",
        "  max_message_chars: " + "9" * 5000,
        f"a number of 5000 characters is too long (at most {MAX_NUMBER_CHARS}): write a smaller number, or quote it if it is text",
    ),
    "5000-digit-hex-limit": in_conversation(
        "  max_message_chars:", "  max_message_chars: 0x" + "f" * 5000, "a number of 5002 characters is too long"
    ),
    "limit-too-large": in_conversation(
        "  max_message_chars:",
        "  max_message_chars: 100001",
        "'max_message_chars' must be a whole number of at least 20 and at most 100000 (characters)",
    ),
    "number-word-out-of-range": substituted(
        CONVERSATION,
        "last: -1}",
        "last: 1000000}",
        "number word 'last' must map to a whole number from -1000 to 1000 (a slide number; -1 is the last slide)",
    ),
    "pack-order-out-of-range": substituted(
        PACK_META,
        "order: 1\n",
        "order: 99999999999\n",
        "the pack's 'order' must be a whole number from 0 to 10000 (lowest first), not 99999999999",
    ),
}


@pytest.mark.parametrize("name", sorted(NUMBER_CASES))
def test_a_number_out_of_range_is_refused_at_its_line(small_copy: Path, name: str) -> None:
    assert_refused(small_copy, NUMBER_CASES[name])


@pytest.mark.parametrize("when", [datetime.datetime(2024, 1, 1, 10, 0), datetime.datetime(2024, 1, 1, 10, 0, 30)])
def test_a_review_date_with_a_time_is_refused_even_when_its_digest_matches(
    small_copy: Path, when: datetime.datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stamp written with a date and time, its digest made to match: YAML reads it as a time, not a date."""
    folder = small_copy / PACK
    pack, _ = unreviewed_pack(folder)
    (folder / "stamp.yaml").write_text(stamp_text("Brunilda Nazario, MD", when, stamped(pack)), encoding="utf-8")
    line = next(n for n, text in enumerate(lines_of(small_copy / STAMP), start=1) if text.startswith("date: "))
    message = "the stamp's 'date' must be a date like 2022-01-19, without a time of day; run `mbcbot stamp`"
    problems = problems_of(small_copy)
    assert [(p.line, p.message) for p in problems] == [(line, message)]
    assert main(["check", "--knowledge", str(small_copy)]) == 1
    assert f"{STAMP}:{line}: {message}" in capsys.readouterr().out.replace("\\", "/")


def test_a_long_slide_number_under_a_large_message_limit_is_answered(small_copy: Path) -> None:
    in_conversation("  max_message_chars:", "  max_message_chars: 100000", "")(small_copy)
    bot = Bot.load(small_copy)
    reply, _ = bot.reply("slide " + "9" * 5000)  # int() refuses 4,300 digits
    assert reply.rule != "command:slide"
    assert bot.reply("slide " + "9" * 1000)[0].rule == "command:slide"  # "there is no slide 999…", as before


# 4. Regular expressions of the knowledge that backtrack catastrophically


def nested_deep(depth: int) -> str:
    return "(" * depth + "a" + ")" * depth


PATTERN_CASES: dict[str, Break] = {
    "nested-repeat": in_conversation("closing:", f"closing: '{NESTED}'", f"pattern '{NESTED}' {NESTED_TOLD}"),
    "nested-repeat-in-a-whole-command": in_conversation(
        "  more: ",
        "  more: '(more\\s?\\w*)+'",
        "pattern '(more\\s?\\w*)+' can take minutes on one message: the repeated group '(more\\s?\\w*)+' holds '\\w*'",
    ),
    "overlapping-alternatives": in_conversation(
        "closing:", "closing: '(x|x)+$'", "pattern '(x|x)+$' takes too long on the short test message"
    ),
    "nested-too-deep": in_conversation(
        "closing:",
        f"closing: '{nested_deep(MAX_DEPTH + 1)}'",
        f"nests groups more than {MAX_DEPTH} deep: simplify it",
    ),
    "nested-too-deep-for-python": in_conversation(
        "closing:", f"closing: '{nested_deep(2000)}'", f"nests groups more than {MAX_DEPTH} deep: simplify it"
    ),
    "5000-digit-repetition-count": in_conversation(
        "closing:",
        "closing: 'a{" + "9" * 5000 + "}'",
        "is not a valid regular expression: a repetition count is too large",
    ),
    "too-long": in_conversation(
        "closing:",
        "closing: '" + "a" * (MAX_PATTERN_CHARS + 1) + "'",
        f"is {MAX_PATTERN_CHARS + 1} characters long; the limit is {MAX_PATTERN_CHARS}: shorten it",
    ),
}


@pytest.mark.parametrize("name", sorted(PATTERN_CASES))
def test_a_pattern_that_can_take_minutes_is_refused_at_its_line(small_copy: Path, name: str) -> None:
    expected = PATTERN_CASES[name](small_copy)
    problems = problems_of(small_copy)
    assert reported(problems, expected), f"wanted {expected}, got:\n" + "\n".join(map(str, problems))


def test_a_repeated_group_that_ends_a_searched_pattern_is_allowed(small_copy: Path) -> None:
    """Nothing follows it, so the first time its repetitions stop the search succeeds: nothing to go back over."""
    in_conversation("lead_ins:", "lead_ins: '^(\\w+\\s?)+'", "")(small_copy)
    assert load_knowledge(small_copy).conversation.lead_ins.pattern == "^(\\w+\\s?)+"


CATASTROPHIC = [
    NESTED,
    r"([a-z]+ ?)*$",
    r"(a*ba*)+$",
    r"(a+[ab]?c)+$",
    r"([ab]?a+c)+$",
    r"(\d+\.?)+$",
    r"(.*a){12}$",
    r"(?:a?){20}a{20}",
    r"(?x) ( \w+ \s? )+ xq $",
    r"(?i:(a+)+)$",
    r"(a)(?(1)(b+)+|c)$",
]
SOUND = [
    r"(\s+\w+)*$",
    r"( [a-z]+)*$",
    r"(a+b)+$",
    r"(\w+\s?)++xq$",  # possessive: never given back
    r"(?>(\w+\s?)+)xq",  # atomic
    r"^(\w+\s?)+",  # nothing follows it
    r"(?=(\w+\s?)+)x",  # within a lookahead, nothing follows it
    r"(?x)( \w+ [ ] )+ xq $",
    r"[]a]+(b)+$",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_nested_repeats_that_can_run_on_are_refused(pattern: str) -> None:
    problem = regex_problem(pattern)
    assert problem is not None and problem.startswith("can take minutes on one message:"), problem


@pytest.mark.parametrize("pattern", SOUND)
def test_nested_repeats_that_cannot_run_on_are_allowed(pattern: str) -> None:
    assert regex_problem(pattern) is None


def test_a_repeated_group_at_the_end_of_a_whole_match_is_refused() -> None:
    assert regex_problem(r"^(\w+\s?)+") is None
    assert regex_problem(r"^(\w+\s?)+", whole=True) is not None  # a command: the whole message must match


def test_every_pattern_of_the_real_knowledge_ends_in_bounded_time() -> None:
    data, problems = read_yaml(KNOWLEDGE / CONVERSATION)
    assert problems == []
    names = ("lead_ins", "trail_offs", "asking", "joining", "referring", "comparing", "defining", "premise", "pointing")
    for name in (*names, "telling", "closing"):
        assert regex_problem(data[name]) is None, name
    for name, pattern in data["commands"].items():
        assert regex_problem(pattern, whole=True) is None, name


def test_the_trail_offs_pattern_needs_its_possessive_repeat() -> None:
    """Given back, the words after "so i can" let `trail_offs` take minutes on a message that ends otherwise."""
    data, _ = read_yaml(KNOWLEDGE / CONVERSATION)
    assert "( [a-z]+){0,6}+" in data["trail_offs"]
    problem = regex_problem(data["trail_offs"].replace("( [a-z]+){0,6}+", "( [a-z]+){0,6}"))
    assert problem is not None and "holds '( [a-z]+){0,6}', which can run on" in problem


# 5. Transcript regexes


def test_a_transcript_regex_that_can_take_minutes_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text(LIVER + f"    regex: '{NESTED}'\n", encoding="utf-8")
    transcript, problems = load_transcript(path)
    assert transcript is None
    assert problems == [Problem(str(path), 5, f"'regex' '{NESTED}' {NESTED_TOLD}")]


def test_a_transcript_that_cannot_finish_is_an_error_and_the_others_still_run(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(LIVER, encoding="utf-8")
    (tmp_path / "nested.yaml").write_text(LIVER + f"    regex: '{NESTED}'\n", encoding="utf-8")
    run = mbcbot("replay", str(tmp_path), "--junit", str(tmp_path / "replay.xml"))
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"{tmp_path / 'nested.yaml'}:5: 'regex' '{NESTED}' {NESTED_TOLD}"]
    assert run.stdout.strip().endswith("1 of 1 turns matched in 1 transcripts; 1 transcript(s) could not be read")
    junit = (tmp_path / "replay.xml").read_text(encoding="utf-8")
    assert 'tests="2"' in junit and 'errors="1"' in junit and 'failures="0"' in junit


def test_the_real_knowledge_still_loads() -> None:
    assert load_knowledge(KNOWLEDGE).conversation.trail_offs.pattern.endswith("( [a-z]+){0,6}+))+$")
