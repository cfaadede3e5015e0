"""Write transcripts: record a conversation as a golden file, and update pinned replies after a review."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mbcbot.files import read_capped
from mbcbot.model import Reply
from mbcbot.transcripts import Result
from mbcbot.yamlfile import MAX_FILE_BYTES, LineDict, read_yaml, yaml_text

HEADER = "# Recorded with `mbcbot record`; replay with `mbcbot replay`. Each turn pins the full reply.\n"


def pinned(user: str, reply: Reply) -> dict[str, Any]:
    """A turn that pins everything about a reply."""
    return {"user": user, "kind": reply.kind, "slides": list(reply.slides), "rule": reply.rule, "text": reply.text}


class Recorder:
    """Keeps a conversation as a transcript file only its owner can read (mode 0600: it holds what a person typed),
    rewritten after every turn so nothing is lost."""

    def __init__(self, path: Path, title: str) -> None:
        self.path = path
        self.title = title
        self.turns: list[dict[str, Any]] = []

    def __call__(self, user: str, reply: Reply) -> None:
        self.turns.append(pinned(user, reply))
        self.save()

    def save(self) -> None:
        """Write the transcript so far."""
        data = {"title": self.title, "tags": ["recorded"], "turns": self.turns}
        _write(self.path, HEADER + yaml_text(data))


def updated(results: Sequence[Result]) -> list[str]:
    """Rewrite the pinned fields that changed in each transcript file; returns what changed."""
    changes = []
    for result in results:
        changed = [turn for turn in result.failed if {"kind", "slides", "rule", "text"} & set(turn.turn.expect)]
        if not changed or result.transcript.path.endswith(".convo.txt"):
            continue
        path = Path(result.transcript.path)
        data, problems = read_yaml(path)
        if problems or not isinstance(data, LineDict):
            continue
        by_line = {turn.turn.line: turn for turn in changed}
        for entry in data.get("turns", []):
            turn = by_line.get(getattr(entry, "line", 0))
            if turn is None:
                continue
            for key in ("kind", "slides", "rule", "text"):
                if key in entry:
                    entry[key] = pinned(turn.turn.user, turn.reply)[key]
            changes.append(f"updated {path}:{turn.turn.line}: {turn.turn.user!r}\n" + turn.diff)
        _write(path, _leading_comments(path) + yaml_text(_plain(data)), stat.S_IMODE(path.stat().st_mode))
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _leading_comments(path: Path) -> str:
    lines = read_capped(path, MAX_FILE_BYTES).decode("utf-8", errors="replace").splitlines(keepends=True)
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    return "".join(head)


def _write(path: Path, text: str, mode: int = 0o600) -> None:
    """Put `text` at `path` whole, with `mode`: written to a new private file (mkstemp: 0600, never an existing
    one) that then takes the place of whatever stands at `path`, a planted link included, never followed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), mode)
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
