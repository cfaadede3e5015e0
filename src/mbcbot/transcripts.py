"""Transcripts: readable YAML conversations that pin what the bot must reply, and their replay.

A transcript is one conversation: a title, optional tags, and turns. Each turn
has the person's line (`user`) and any of the expectations below; a turn pins
only what matters to it. See docs/transcripts.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from mbcbot.botium import convo_turns
from mbcbot.errors import Problem, shown
from mbcbot.model import Exchange, Reply
from mbcbot.regexes import quoted, regex_problem
from mbcbot.schema import FileCheck
from mbcbot.yamlfile import read_yaml

EXPECTATIONS = ("kind", "slides", "rule", "text", "contains", "not_contains", "regex", "quotes", "sources", "notice")
SUFFIXES = (".yaml", ".yml", ".convo.txt")


class Turn(NamedTuple):
    """One line a person types and what the reply must show."""

    user: str
    line: int
    expect: dict[str, Any]


class Transcript(NamedTuple):
    """One conversation to replay in a fresh session."""

    path: str
    title: str
    tags: tuple[str, ...]
    turns: tuple[Turn, ...]


class TurnResult(NamedTuple):
    """A replayed turn: the reply and every way it differs from what was pinned."""

    turn: Turn
    reply: Reply
    failures: tuple[str, ...]
    diff: str


class Result(NamedTuple):
    """A replayed transcript."""

    transcript: Transcript
    turns: tuple[TurnResult, ...]

    @property
    def failed(self) -> tuple[TurnResult, ...]:
        """The turns that did not match."""
        return tuple(turn for turn in self.turns if turn.failures)


def transcript_files(paths: Iterable[Path]) -> list[Path]:
    """Every transcript file in `paths` (files, or folders searched recursively), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            named = (p for p in path.rglob("*") if p.name.endswith(SUFFIXES) and not p.is_dir())
            found += sorted(named)  # a pipe or a device among them is read, and refused, with the others
        else:
            found.append(path)
    return found


def load_transcript(path: Path) -> tuple[Transcript | None, list[Problem]]:
    """The transcript in `path`, or None and every problem found in it."""
    if path.name.endswith(".convo.txt"):
        title, convo, problems = convo_turns(path)
        converted = tuple(Turn(turn.user, turn.line, turn.expect) for turn in convo)
        return (None, problems) if problems else (Transcript(shown(path), title, ("botium",), converted), [])
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    check = FileCheck(shown(path))
    data = check.mapping(data, 1, "a transcript")
    if check.problems:  # not a mapping: nothing more can be read from it
        return None, check.problems
    check.keys(data, "the transcript", {"title", "turns"}, {"tags", "description"})
    title = check.text(data, "title", "the transcript")
    tags = check.texts(data, "tags", "the transcript")
    items = check.sequence(data.get("turns", []), data.line_of("turns"), "'turns'")
    read = [_turn(check, item, items.line_of(index)) for index, item in enumerate(items)]
    turns = tuple(turn for turn in read if turn is not None)
    if data and not turns and not check.problems:
        check.problem(data.line_of("turns"), "the transcript has no turns")
    if check.problems:
        return None, check.problems
    return Transcript(shown(path), title, tags, turns), []


def _turn(check: FileCheck, item: object, line: int) -> Turn | None:
    entry = check.mapping(item, line, "a turn")
    if not isinstance(item, dict):
        return None
    check.keys(entry, "a turn", {"user"}, set(EXPECTATIONS))
    user = entry.get("user")
    if not isinstance(user, str):
        check.problem(entry.line_of("user"), "a turn's 'user' must be text (quote it if it looks like a number)")
        return None
    expect: dict[str, Any] = {}
    for key in EXPECTATIONS:
        if key in entry:
            value = _expectation(check, key, entry[key], entry.line_of(key))
            if value is not None:
                expect[key] = value
    return Turn(user, entry.line, expect)


def _expectation(check: FileCheck, key: str, value: Any, line: int) -> Any:
    if key in ("sources", "notice"):
        return value if isinstance(value, bool) else check.problem(line, f"'{key}' must be true or false")
    if key == "slides":
        ok = isinstance(value, list) and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        return list(value) if ok else check.problem(line, "'slides' must be a list of slide numbers, like [5]")
    if key in ("kind", "rule", "text"):
        return value if isinstance(value, str) else check.problem(line, f"'{key}' must be text")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        return check.problem(line, f"'{key}' must be text or a list of texts")
    if key == "regex":
        for pattern in items:
            problem = regex_problem(pattern)  # one that could take minutes would stall every transcript after it
            if problem is not None:
                return check.problem(line, f"'regex' {quoted(pattern)} {problem}")
    return list(items)


class Replier(Protocol):
    """What a transcript is replayed against: a bot in this process, or a live service (`remote.Service`)."""

    def conversation(self) -> Exchange:
        """A fresh conversation."""
        ...


def replayed(replier: Replier, transcript: Transcript) -> Result:
    """Replay every turn of a transcript in one fresh conversation."""
    answered = replier.conversation()
    results = []
    for turn in transcript.turns:
        reply, problems = answered(turn.user)
        failures = (*problems, *mismatches(turn.expect, reply))
        results.append(TurnResult(turn, reply, failures, unified_diff(turn.expect, reply) if failures else ""))
    return Result(transcript, tuple(results))


def mismatches(expect: dict[str, Any], reply: Reply) -> Iterator[str]:
    """Every way `reply` differs from the expectations, one line each."""
    if "kind" in expect and reply.kind != expect["kind"]:
        yield f"kind: expected {expect['kind']}, got {reply.kind}"
    if "slides" in expect and list(reply.slides) != expect["slides"]:
        yield f"slides: expected {expect['slides']}, got {list(reply.slides)}"
    if "rule" in expect and reply.rule != expect["rule"]:
        yield f"rule: expected {expect['rule']}, got {reply.rule}"
    if "text" in expect and reply.text.rstrip() != expect["text"].rstrip():
        yield "text: differs from the pinned reply"
    for needle in expect.get("contains", []):
        if needle.lower() not in reply.text.lower():
            yield f"contains: {needle!r} is not in the reply"
    for needle in expect.get("not_contains", []):
        if needle.lower() in reply.text.lower():
            yield f"not_contains: {needle!r} is in the reply"
    for pattern in expect.get("regex", []):
        if not re.search(pattern, reply.text):
            yield f"regex: {pattern!r} does not match the reply"
    for passage in expect.get("quotes", []):
        if not any(passage in quote for quote in reply.quotes):
            yield f"quotes: the reply does not quote {passage!r}"
    if "sources" in expect and _has_sources(reply) != expect["sources"]:
        yield f"sources: expected {'sources for every quoted slide' if expect['sources'] else 'no sources'}"
    if "notice" in expect and bool(reply.notice and reply.notice in reply.text) != expect["notice"]:
        yield f"notice: expected {'the notice' if expect['notice'] else 'no notice'} in the reply"


def _has_sources(reply: Reply) -> bool:
    cited = {source.slide for source in reply.sources if source.reviewer and source.review_date}
    return bool(reply.slides) and set(reply.slides) <= cited and all(f"slide {n} of" in reply.text for n in reply.slides)


def pinned_view(expect: dict[str, Any], reply: Reply | None = None) -> list[str]:
    """The pinned fields as lines (from the reply when given), for a readable diff."""
    lines = []
    for key in ("kind", "slides", "rule"):
        if key in expect:
            value = expect[key] if reply is None else (list(reply.slides) if key == "slides" else getattr(reply, key))
            lines.append(f"{key}: {value}")
    if "text" in expect:
        text = expect["text"] if reply is None else reply.text
        lines += ["text:", *(f"  {line}" for line in text.rstrip().splitlines())]
    return lines


def unified_diff(expect: dict[str, Any], reply: Reply) -> str:
    """A unified diff of the pinned fields against the reply."""
    diff = difflib.unified_diff(pinned_view(expect), pinned_view(expect, reply), "expected", "actual", lineterm="")
    return "\n".join(diff)
