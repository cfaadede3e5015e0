"""Import Botium convo files (`.convo.txt`) as transcripts.

A convo file's first line names the test; then `#me` blocks hold what the
person says and `#bot` blocks what the reply must contain (one text per line;
a line starting with `!` must not be in the reply). Other Botium features
(utterance files, asserters, includes) are not supported and are reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from mbcbot.errors import Problem, shown
from mbcbot.files import FileRefused, read_capped
from mbcbot.yamlfile import MAX_FILE_BYTES


class ConvoTurn(NamedTuple):
    """What the person says at one line of a convo file, and what the reply must (not) contain."""

    user: str
    line: int
    expect: dict[str, Any]


def convo_turns(path: Path) -> tuple[str, list[ConvoTurn], list[Problem]]:
    """The title and turns of a Botium convo file, and every problem found in it."""
    where = shown(path)
    try:
        content = read_capped(path, MAX_FILE_BYTES)  # a regular file only: a pipe or /dev/zero would never end
        lines = content.decode("utf-8").splitlines()
    except FileRefused as refused:
        return "", [], [Problem(where, 1, str(refused))]
    except UnicodeDecodeError as error:
        return "", [], [Problem(where, content[: error.start].count(b"\n") + 1, f"is not valid UTF-8 (byte {error.start})")]
    title = lines[0].strip() if lines else ""
    turns: list[ConvoTurn] = []
    problems: list[Problem] = []
    speaker = ""
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            speaker = line[1:].split()[0].lower() if len(line) > 1 else ""
            if speaker not in ("me", "bot"):
                problems.append(Problem(where, number, f"unsupported Botium section {line!r} (only #me and #bot)"))
            continue
        if speaker == "me":
            turns.append(ConvoTurn(line, number, {}))
        elif speaker == "bot" and turns:
            key = "not_contains" if line.startswith("!") else "contains"
            turns[-1].expect.setdefault(key, []).append(line.lstrip("!").strip("*").strip())
        else:
            problems.append(Problem(where, number, "text outside a #me or #bot section"))
    if not title:
        problems.append(Problem(where, 1, "the first line must name the conversation"))
    if not turns and not problems:
        problems.append(Problem(where, 1, "the conversation has no #me lines"))
    return title, turns, problems
