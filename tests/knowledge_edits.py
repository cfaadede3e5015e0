"""Helpers to copy the knowledge folder and edit the copy line by line."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from mbcbot.errors import KnowledgeError
from mbcbot.knowledge import load_knowledge
from mbcbot.model import Knowledge

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
PACK = "metastatic-breast-cancer"
SLIDES = f"{PACK}/slides.yaml"
STAMP = f"{PACK}/stamp.yaml"
PACK_META = f"{PACK}/pack.yaml"
PACK_LEXICON = f"{PACK}/lexicon.yaml"


@functools.cache
def real_knowledge() -> Knowledge | None:
    """The real knowledge, or None when it does not load (tests using the `bot` fixture then say why)."""
    try:
        return load_knowledge(KNOWLEDGE)
    except KnowledgeError:
        return None


def copy_knowledge(destination: Path) -> Path:
    """A copy of the real knowledge folder at `destination`."""
    shutil.copytree(KNOWLEDGE, destination)
    return destination


def lines_of(path: Path) -> list[str]:
    """The file's lines, without their line ends."""
    return path.read_text(encoding="utf-8").split("\n")


def line_of(path: Path, line: str, after: int = 0) -> int:
    """The 1-based number of the first line after line `after` that equals `line` (ignoring trailing space)."""
    for number, text in enumerate(lines_of(path), start=1):
        if number > after and text.rstrip() == line:
            return number
    raise AssertionError(f"{path}: no line {line!r} after line {after}")


def slide_line(path: Path, number: int, key: str) -> int:
    """The line of `key` in slide `number` of a slides.yaml ("number" gives the slide's first line)."""
    start = line_of(path, f"  - number: {number}")
    if key == "number":
        return start
    for offset, text in enumerate(lines_of(path)[start:], start=start + 1):
        if text.startswith("  - "):
            break
        if text.startswith(f"    {key}:"):
            return offset
    raise AssertionError(f"{path}: slide {number} has no {key!r} line")


def replace_line(path: Path, number: int, *new: str) -> None:
    """Replace line `number` by the lines `new` (none deletes it)."""
    lines = lines_of(path)
    lines[number - 1 : number] = list(new)
    path.write_text("\n".join(lines), encoding="utf-8")


def insert_after(path: Path, number: int, *new: str) -> None:
    """Insert the lines `new` after line `number`."""
    lines = lines_of(path)
    lines[number:number] = list(new)
    path.write_text("\n".join(lines), encoding="utf-8")


def substitute(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of `old` by `new`; returns the line it stood on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {old!r} occurs {text.count(old)} times"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line


def block_end(path: Path, start: int) -> int:
    """The last line of the indented block that begins at line `start`."""
    lines = lines_of(path)
    indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
    end = start
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            break
        if text.strip():
            end = number
    return end
