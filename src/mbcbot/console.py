"""Plain line-mode conversation and reply rendering for terminals and pipes (no third-party imports)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO, TextIO

from mbcbot.bot import Bot
from mbcbot.model import Reply, Session
from mbcbot.text import printable

_C1_AND_DELETE = re.compile("[\x7f-\x9f]")  # JSON may carry them raw; a terminal could act on them

_BOLD, _RED, _DIM, _RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[2m", "\x1b[0m"


def input_lines(stream: BinaryIO) -> Iterator[str]:
    """Lines of a byte stream as text; invalid UTF-8 becomes U+FFFD, never an error."""
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def as_json(reply: Reply, explain: bool = False) -> str:
    """One reply as one line of JSON."""
    import json

    return _C1_AND_DELETE.sub(
        lambda found: f"\\u{ord(found.group()):04x}", json.dumps(reply.as_dict(explain), ensure_ascii=False)
    )


def wrapped(text: str, width: int) -> str:
    """Text folded at word boundaries to `width`, each line keeping its indent."""
    import textwrap

    lines = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent, break_on_hyphens=False) or [""]
    return "\n".join(lines)


def as_text(reply: Reply, color: bool = False, explain: bool = False, width: int = 0) -> str:
    """One reply as a person reads it in a terminal, from its structure (folded to `width` when given); what the
    knowledge says is shown `printable`, so no file can move the cursor or retitle the terminal."""
    bold, dim, red = (_BOLD, _DIM, _RED) if color else ("", "", "")
    end = _RESET if color else ""
    fold = (lambda text: wrapped(text, width)) if width else (lambda text: text)

    def shown(text: str, style: str) -> str:
        return "\n".join(f"{style}{line}{end}" if style else line for line in fold(printable(text)).splitlines())

    if not reply.passages:  # framing lines only: as the reply says them
        text = shown(reply.text, red if reply.kind == "emergency" else "")
    else:
        blocks = [shown("\n".join(reply.intro), "")] if reply.intro else []
        for passage in reply.passages:
            quotes = shown("\n".join(f"  {quote}" for quote in passage.quotes), bold)
            blocks.append(shown(passage.heading, "") + "\n" + quotes)
        blocks += [shown("\n".join(reply.lines), "")] if reply.lines else []
        blocks.append(shown("\n".join([passage.source_line for passage in reply.passages] + [reply.notice]), dim))
        text = "\n\n".join(blocks)
    if explain:
        import json

        text += "\n\n[explain] " + printable(json.dumps({"kind": reply.kind, "rule": reply.rule, **reply.explanation}, indent=2))
    return text


Observer = Callable[[str, Reply], None]


def run_conversation(
    bot: Bot, lines: Iterator[str], out: TextIO, json_lines: bool, explain: bool = False, observer: Observer | None = None
) -> int:
    """Every line is one turn of ONE conversation; one reply per line."""
    session = Session()
    for line in lines:
        reply, session = bot.reply(line, session, explain=explain)
        if observer is not None:
            observer(line, reply)
        _emit(reply, out, json_lines, explain)
    return 0


def run_questions(bot: Bot, lines: Iterator[str], out: TextIO, json_lines: bool, explain: bool = False) -> int:
    """Every line is an independent question, answered in a fresh conversation."""
    for line in lines:
        reply, _ = bot.reply(line, Session(), explain=explain)
        _emit(reply, out, json_lines, explain)
    return 0


def _emit(reply: Reply, out: TextIO, json_lines: bool, explain: bool) -> None:
    out.write((as_json(reply, explain) if json_lines else as_text(reply, explain=explain) + "\n") + "\n")
    out.flush()
