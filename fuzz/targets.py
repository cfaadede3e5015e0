"""Fuzz targets: what must hold whatever bytes reach the reply pipeline, the knowledge loader and the transcript reader.

Each target takes one input of arbitrary bytes and returns quietly when every
invariant holds; any exception it raises is a finding. `Broken` names an
invariant that failed; any other exception is a crash of mbcbot itself.
The targets import no fuzzing engine, so `fuzz.py` can drive them with atheris
or with Hypothesis.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from mbcbot.bot import Bot
from mbcbot.errors import KnowledgeError, Problem, shown
from mbcbot.knowledge import load_knowledge
from mbcbot.model import KINDS, Knowledge, Reply, Session
from mbcbot.transcripts import Transcript, load_transcript, mismatches, replayed, unified_diff
from mbcbot.yamlfile import read_yaml, yaml_text

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
PACK = "metastatic-breast-cancer"
KNOWLEDGE_FILES = (f"{PACK}/pack.yaml", f"{PACK}/slides.yaml", f"{PACK}/stamp.yaml", "lexicon.yaml", "conversation.yaml")
SMALL_LEXICON = "stopwords: []\n"  # loads in a fraction of the real lexicon's time; lexicon inputs bring their own
LEXICON_SEED_ENTRIES = 20  # the real lexicon's first entries of each section: every section exercised, quick to load
MAX_TURNS = 6  # a multi-turn input is at most this many lines, one message each
MAX_REPLAYED_TURNS = 8  # a transcript that loads is replayed this far
PROBES = ("hello", "liver", "more", "next", "slide 2", "topics", "sources", "I can't breathe", "should I stop my chemo", "xyzzy")
HOSTILE = (
    "",
    " ",
    "\x00",
    "\ufeff",
    "\u202eevil\u202c",
    "slide 99999",
    "slide -1",
    "more\nmore\nnext\nback\nstart over",
    "x" * 1001,
    "liver " * 166,
    "é" * 999,
    "\U0001f600" * 300,
    "((((((((((",
    "{notice} {0} %s",
    "and the lungs?\nwhy does that happen\nmore",
)


class Broken(AssertionError):
    """An invariant that failed: `rule` names it (stable, for grouping findings), `detail` shows the case."""

    def __init__(self, rule: str, detail: str = "") -> None:
        super().__init__(f"{rule}: {detail}" if detail else rule)
        self.rule = rule


def require(condition: object, rule: str, detail: str = "") -> None:
    """Raise Broken(rule) unless `condition` holds."""
    if not condition:
        raise Broken(rule, detail)


class Target(NamedTuple):
    """One fuzz target: its check, its seeds, and the libFuzzer limits that suit it."""

    name: str
    check: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    max_len: int  # bytes per input
    timeout: int  # seconds one input may take (instrumented) before it counts as a hang
    rss_limit_mb: int


# ---------------------------------------------------------------------------- replies


@functools.cache
def real_bot() -> Bot:
    """A bot over the shipped knowledge, loaded once, bypassing the on-disk cache."""
    return Bot(load_knowledge(KNOWLEDGE), emergency_number="911")


def check_reply(bot: Bot, reply: object) -> None:
    """What holds for every reply, whatever was asked."""
    if not isinstance(reply, Reply):
        raise Broken("not a Reply", type(reply).__name__)
    require(reply.kind in KINDS, "unknown kind", reply.kind)
    require(isinstance(reply.text, str) and reply.text.strip(), "empty reply text")
    try:
        reply.text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise Broken("reply text cannot be written as UTF-8", str(error)) from error
    texts = {(slide.pack, slide.number): slide.text for slide in bot.knowledge.slides}
    require(len(set(reply.slides)) == len(reply.slides), "a slide named twice", repr(reply.slides))
    cited = [texts.get((source.pack, source.slide)) for source in reply.sources]
    require(None not in cited, "a source names no slide", repr(reply.sources))
    for quote in reply.quotes:
        require(quote.strip(), "an empty quote")
        require(any(quote in text for text in cited if text), "a quote is not verbatim on its slides", repr(quote[:80]))
        require(quote in reply.text, "a quote is not in the reply text", repr(quote[:80]))
    if reply.kind == "answer":
        require(reply.quotes, "an answer quotes nothing")
        require(reply.sources, "an answer has no sources")
        require([source.slide for source in reply.sources] == list(reply.slides), "sources differ from slides")
        require(all(source.reviewer and source.review_date for source in reply.sources), "a source has no review")
        require(reply.notice and reply.notice in reply.text, "an answer has no notice")
    elif not reply.quotes:
        require(reply.sources == (), "sources without quotes", repr(reply.sources))


def check_session(bot: Bot, before: Session, after: object, reply: Reply) -> None:
    """The session after a turn: one more turn (or a fresh start), on a slide that exists."""
    if not isinstance(after, Session):
        raise Broken("not a Session", type(after).__name__)
    restarted = reply.rule == "command:restart"
    require(after.turns == (0 if restarted else before.turns + 1), "turn count", f"{before.turns} -> {after.turns}")
    if after.slide:
        numbers = {slide.number for slide in bot.knowledge.slides if slide.pack == after.pack}
        require(after.slide in numbers, "the session is on a slide that does not exist", repr(after))


def conversation(bot: Bot, messages: list[str]) -> list[tuple[dict[str, object], Session]]:
    """Every reply of one conversation, each checked, with the session after it."""
    session, seen = Session(), []
    for message in messages:
        reply, after = bot.reply(message, session)
        check_reply(bot, reply)
        check_session(bot, session, after, reply)
        seen.append((reply.as_dict(), after))
        session = after
    return seen


def check_message_bytes(data: bytes) -> None:
    """Reply target: any bytes, decoded leniently, get sound and repeatable replies, alone and as a conversation."""
    bot = real_bot()
    for text in dict.fromkeys((data.decode("utf-8", "replace"), data.decode("utf-8", "surrogateescape"))):
        first = conversation(bot, [text])
        require(conversation(bot, [text]) == first, "the same message got a different reply", repr(text[:80]))
        explained, _ = bot.reply(text, explain=True)
        require(explained.as_dict() == first[0][0], "--explain changed the reply", repr(text[:80]))
        lines = text.split("\n")[:MAX_TURNS]
        if len(lines) > 1:
            talk = conversation(bot, lines)
            require(conversation(bot, lines) == talk, "the same conversation went differently", repr(lines)[:120])


def message_seeds() -> list[bytes]:
    """Every question of the tuning sets (a conversation as one line per turn), and hostile strings."""
    found: list[str] = []
    for path in sorted((ROOT / "tests" / "questions").glob("*.yaml")):
        if path.name != "heldout.yaml":  # held out from anything that could shape the engine
            data, _ = read_yaml(path)
            found += ["\n".join(_questions(case)) for case in (data or {}).get("cases", [])]
    return [text.encode("utf-8") for text in dict.fromkeys([*found, *HOSTILE, *PROBES])]


def _questions(case: Any) -> Iterator[str]:
    if isinstance(case, dict):
        if isinstance(case.get("q"), str):
            yield case["q"]
        for turn in case.get("turns", []):
            yield from _questions(turn)


# ---------------------------------------------------------------------------- knowledge


class Workspace:
    """A small, writable copy of the knowledge in which one file at a time is replaced."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mbcbot-fuzz-knowledge-"))
        shutil.copytree(KNOWLEDGE, self.root, dirs_exist_ok=True)
        (self.root / "lexicon.yaml").write_text(SMALL_LEXICON, encoding="utf-8")
        (self.root / "conversation.yaml").write_text(small_conversation(), encoding="utf-8")
        self.originals = {name: (self.root / name).read_bytes() for name in KNOWLEDGE_FILES}
        self.changed: str | None = None

    def replace(self, name: str, content: bytes) -> None:
        """Put back the file changed last, then give `name` this content."""
        if self.changed is not None:
            (self.root / self.changed).write_bytes(self.originals[self.changed])
        (self.root / name).write_bytes(content)
        self.changed = name


def small_conversation() -> str:
    """The real conversation.yaml, as plain YAML (conversation inputs bring their own)."""
    data, _ = read_yaml(KNOWLEDGE / "conversation.yaml")
    return yaml_text(_first(data, None))


@functools.cache
def workspace() -> Workspace:
    """The one knowledge workspace of this process."""
    return Workspace()


def check_problem(problem: object, minimum_line: int) -> None:
    """A problem a person can act on: a file, a line and a message."""
    if not isinstance(problem, Problem):
        raise Broken("not a Problem", repr(problem))
    require(isinstance(problem.file, str) and problem.file, "a problem names no file", repr(problem))
    require(isinstance(problem.line, int) and problem.line >= minimum_line, "a problem has no line", repr(problem))
    require(isinstance(problem.message, str) and problem.message.strip(), "a problem has no message", repr(problem))


def check_knowledge_bytes(data: bytes) -> None:
    """Knowledge target: one knowledge file replaced by these bytes either loads, and serves, or is reported file:line."""
    if not data:
        return
    space = workspace()
    space.replace(KNOWLEDGE_FILES[data[0] % len(KNOWLEDGE_FILES)], data[1:])
    try:
        knowledge = load_knowledge(space.root)
    except KnowledgeError as error:
        require(error.problems, "KnowledgeError without problems")
        for problem in error.problems:
            check_problem(problem, 0)
        str(error)
        return
    serve(knowledge)


def serve(knowledge: Knowledge) -> None:
    """Knowledge that loads can be served: a bot over it answers a few probes soundly."""
    bot = Bot(knowledge, emergency_number="911")
    conversation(bot, list(PROBES))
    bot.welcome()


def knowledge_seeds() -> list[bytes]:
    """Each real knowledge file behind its selector byte (the lexicon cut to the first entries of each section)."""
    seeds = []
    for index, name in enumerate(KNOWLEDGE_FILES):
        content = (KNOWLEDGE / name).read_bytes()
        if name == "lexicon.yaml":
            data, _ = read_yaml(KNOWLEDGE / name)
            content = yaml_text({key: _first(value, LEXICON_SEED_ENTRIES) for key, value in data.items()}).encode("utf-8")
        seeds.append(bytes([index]) + content)
    return seeds


def _first(value: Any, count: int | None) -> Any:
    """Loaded YAML as plain values, each mapping and list cut to its first `count` entries (None: all)."""
    if isinstance(value, dict):
        return {key: _first(item, count) for key, item in list(value.items())[:count]}
    if isinstance(value, list):
        return [_first(item, count) for item in value[:count]]
    return value


# ---------------------------------------------------------------------------- transcripts


class TranscriptFiles:
    """Where the transcript target writes its input: once as YAML, once as a Botium convo file."""

    def __init__(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="mbcbot-fuzz-transcripts-"))
        self.paths = (folder / "fuzzed.yaml", folder / "fuzzed.convo.txt")


@functools.cache
def transcript_files() -> TranscriptFiles:
    """The transcript files of this process."""
    return TranscriptFiles()


def check_transcript_bytes(data: bytes) -> None:
    """Transcript target: any bytes give a transcript, or problems with file:line; a transcript replays soundly."""
    for path in transcript_files().paths:
        path.write_bytes(data)
        loaded = load_transcript(path)
        require(isinstance(loaded, tuple) and len(loaded) == 2, "not a (transcript, problems) pair", repr(loaded)[:80])
        transcript, problems = loaded
        require((transcript is None) == bool(problems), "a transcript and problems, or neither", repr(problems)[:200])
        for problem in problems:
            check_problem(problem, 1)
            require(problem.file == shown(path), "a problem names another file", repr(problem))
        if transcript is not None:
            check_transcript(transcript)


def check_transcript(transcript: Transcript) -> None:
    """A loaded transcript has a title and turns, and replays without error."""
    require(transcript.title.strip(), "a transcript without a title")
    require(transcript.turns, "a transcript without turns")
    require(all(isinstance(turn.user, str) and turn.line >= 1 for turn in transcript.turns), "a turn without a line")
    bot = real_bot()
    result = replayed(bot, transcript._replace(turns=transcript.turns[:MAX_REPLAYED_TURNS]))
    for turn in result.turns:
        check_reply(bot, turn.reply)
        require(list(turn.failures) == list(mismatches(turn.turn.expect, turn.reply)), "replay is not repeatable")
        require(isinstance(unified_diff(turn.turn.expect, turn.reply), str), "no diff")


def transcript_seeds() -> list[bytes]:
    """Every shipped transcript, and two Botium convo files."""
    seeds = [path.read_bytes() for path in sorted((ROOT / "transcripts").glob("*.yaml"))]
    seeds.append(b"Liver question\n#me\nwhat happens if it spreads to the liver\n#bot\nbelly\n!lung cancer\n")
    seeds.append(b"Odd\n#begin\nx\n")
    return seeds


TARGETS = {
    "reply": Target("reply", check_message_bytes, message_seeds, max_len=4096, timeout=10, rss_limit_mb=2048),
    "knowledge": Target("knowledge", check_knowledge_bytes, knowledge_seeds, max_len=24_000, timeout=20, rss_limit_mb=2048),
    "transcripts": Target("transcripts", check_transcript_bytes, transcript_seeds, max_len=16_384, timeout=20, rss_limit_mb=2048),
}
