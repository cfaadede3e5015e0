"""Search many regular expressions together, each tried only where it can begin.

A long alternation makes Python's regex engine try every branch at every
position. Instead, each pattern is filed under the first one or two letters
it can begin with (read from the parsed pattern), and at each word start only
the patterns filed under that word's letters are tried. A pattern whose
beginning cannot be told is tried everywhere, so the search always finds
exactly what the plain alternation finds.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mbcbot.model import FrozenMap

NEVER = "(?!)"  # a pattern that matches nothing
_WORD_START = re.compile(r"(?<!\w)\w")  # where a word begins: the only places a filed pattern is tried
_PLAIN = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")  # text as the dialogue searches it: words and single spaces


def either(patterns: Iterable[str]) -> str:
    """One pattern matching wherever any of `patterns` matches."""
    return "|".join(f"(?:{pattern})" for pattern in patterns) or NEVER


class WordStarts:
    """Many patterns searched together, each tried only at the word starts where it can begin.

    Each group is compiled the first time a message needs it: a load compiles none of them (every pattern
    was compiled on its own when read, so a group always compiles), and a reply needs few.
    """

    __slots__ = ("_compiled", "anywhere", "starts")

    def __init__(self, starts: Mapping[str, str], anywhere: str | None) -> None:
        self.starts = starts  # a word's first one or two letters -> the patterns that can begin there, as one
        self.anywhere = anywhere  # the patterns that may begin anywhere, as one
        self._compiled: dict[str | None, re.Pattern[str]] = {}  # a start (None: anywhere) -> its group, compiled

    def search(self, text: str) -> bool:
        """Whether any of the patterns is found in `text`."""
        starts, compiled = self.starts, self._compiled.get
        if self.anywhere is not None and (compiled(None) or self._group(None)).search(text):
            return True
        for at in _word_starts(text):
            start = text[at : at + 2]
            if start in starts and (compiled(start) or self._group(start)).match(text, at):
                return True
            start = text[at]
            if start in starts and (compiled(start) or self._group(start)).match(text, at):
                return True
        return False

    def _group(self, start: str | None) -> re.Pattern[str]:
        """The patterns filed under `start` (None: those that may begin anywhere), compiled now and kept."""
        source = self.anywhere if start is None else self.starts[start]
        found = self._compiled[start] = re.compile(source or NEVER)
        return found

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordStarts) and (self.starts, self.anywhere) == (other.starts, other.anywhere)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.starts.items())), self.anywhere))

    def __reduce__(self) -> tuple[type[WordStarts], tuple[Mapping[str, str], str | None]]:
        return (WordStarts, (self.starts, self.anywhere))  # pickled without what was compiled


def _word_starts(text: str) -> Iterator[int]:
    """Where the words of `text` begin (plain text, words between single spaces, is read without a regex)."""
    if _PLAIN.fullmatch(text) is None:
        yield from (word.start() for word in _WORD_START.finditer(text))
        return
    at = 0
    for word in text.split(" "):
        yield at
        at += len(word) + 1


def word_starts(patterns: Iterable[str]) -> WordStarts:
    """The patterns as a WordStarts search; each must compile as `(?:pattern)` (see `conversation`)."""
    filed: dict[str, list[str]] = {}
    anywhere: list[str] = []
    for pattern in patterns:
        starts = beginnings(pattern) if _opens_at_word_start(pattern) else None
        if starts is not None and not all(start[0].isalnum() for start in starts):
            starts = None  # a match could begin where a word ends: try it everywhere
        if starts is None:
            anywhere.append(pattern)
        for start in sorted(starts or ()):
            if pattern not in filed.setdefault(start, []):
                filed[start].append(pattern)
    return WordStarts(
        FrozenMap({start: either(group) for start, group in sorted(filed.items())}), either(anywhere) if anywhere else None
    )


def _opens_at_word_start(pattern: str) -> bool:
    """Whether the pattern begins with \\b or ^, so a match can only start where a word does."""
    return pattern.startswith(("\\b", "^"))


def beginnings(pattern: str) -> frozenset[str] | None:
    """Two-letter starts when the pattern opens with plain words, else first letters, else None."""
    try:
        _constants, _parser = importlib.import_module("re._constants"), importlib.import_module("re._parser")

        items = list(_parser.parse(pattern))
        words = _opening_words(items, _constants)
        if words and all(len(word) >= 2 for word in words):
            return frozenset(word[:2] for word in words)
        found = _firsts(items, _constants)
    except Exception:  # an unusual pattern: it is simply tried everywhere
        return None
    return frozenset(found) if found else None


def first_letters(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can begin with, or None when that cannot be told."""
    try:
        _constants, _parser = importlib.import_module("re._constants"), importlib.import_module("re._parser")

        found = _firsts(list(_parser.parse(pattern)), _constants)
    except Exception:  # an unusual pattern: it is simply tried everywhere
        return None
    return frozenset(found) if found else None


def _opening_words(items: list[tuple[Any, Any]], ops: Any) -> list[str] | None:
    """The literal texts a pattern can open with, when it opens with literals or a group of them."""
    rest = [(op, value) for op, value in items if op is not ops.AT] if items and items[0][0] is ops.AT else items
    if not rest:
        return None
    op, value = rest[0]
    if op is ops.LITERAL:
        text = ""
        for op, value in rest:
            if op is not ops.LITERAL:
                break
            text += chr(value)
        return [text]
    if op is ops.SUBPATTERN:
        return _opening_words(list(value[-1]), ops)
    if op is ops.BRANCH:
        found: list[str] = []
        for branch in value[1]:
            words = _opening_words(list(branch), ops)
            if not words:
                return None
            found += words
        return found
    return None


def _firsts(items: list[tuple[Any, Any]], ops: Any) -> set[str] | None:
    for op, value in items:
        if op is ops.AT:  # \b and ^ consume nothing: look at what follows
            continue
        if op is ops.LITERAL:
            return {chr(value)}
        if op is ops.IN:
            return _charset(value, ops)
        if op is ops.SUBPATTERN:
            return _firsts(list(value[-1]), ops)
        if op is ops.BRANCH:
            found: set[str] = set()
            for branch in value[1]:
                letters = _firsts(list(branch), ops)
                if letters is None:
                    return None
                found |= letters
            return found
        return None
    return None


def _charset(items: list[tuple[Any, Any]], ops: Any) -> set[str] | None:
    found: set[str] = set()
    for op, value in items:
        if op is ops.LITERAL:
            found.add(chr(value))
        elif op is ops.RANGE and value[1] - value[0] < 128:
            found.update(chr(code) for code in range(value[0], value[1] + 1))
        else:
            return None
    return found
