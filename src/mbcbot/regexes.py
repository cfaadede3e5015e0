"""Check a regular expression that knowledge or a transcript supplies: it compiles, and it ends in bounded time.

Python's `re` backtracks, and no thread can stop it: `\\b(\\w+\\s?)+xq$` takes minutes on one ordinary question.
The classic cause is a repeated group holding a repeat that can run on into the group's next repetition, so that
where one repetition ends and the next begins is open to exponentially many choices. This module reads the
pattern's text itself (nothing private of `re`) and refuses such a group; a repeat in it is safe when something
it cannot match stands between it and the next repetition, as in `( [a-z]+)*`. As a belt, each pattern is also
tried on short probes, each a little longer than the last, and refused when one of them takes far too long.
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable
from typing import NamedTuple

MAX_PATTERN_CHARS = 10_000  # far above any pattern of the knowledge (the longest is under 2,000 characters)
MAX_DEPTH = 100  # groups within groups; a pattern deeper than this is a slip, and near what Python can read at all
PROBE_CHARS = 32  # the longest probe: short, so that even a pattern whose time explodes stops soon
PROBE_SECONDS = 0.1  # a sound pattern takes microseconds on a probe; one this slow grows exponentially
_SAMPLE = frozenset(string.printable + "\u00e9\u00df\u017f\u212a\u0130\u00a0\u0661\u2019\u4e2d")  # what classes are tried on
_OCTAL = re.compile(r"0[0-7]{0,2}|[0-7]{3}")
_REFERENCE = re.compile(r"[0-9]{1,2}")
_COUNT = re.compile(r"\{([0-9]*)(,?)([0-9]*)\}")
_FLAGS = re.compile(r"([aiLmsux]*)(?:-([imsx]*))?([:)])")
_WORD = re.compile(r"[a-z]+")
_PROBE_UNITS = ("a", "a ", " ", "1", "\n")
_LAYOUT = " \t\n\r\v\f#"  # what a verbose pattern (?x) ignores: spaces, and comments from '#'


class _Item(NamedTuple):
    """One part of a pattern with its repetition: a character, a group, an anchor, a lookaround or a back reference."""

    kind: str  # "char", "group", "look", "empty" (an anchor) or "ref"
    branches: tuple[tuple[_Item, ...], ...]  # a group's alternatives
    chars: frozenset[str]  # every character it can match
    first: frozenset[str]  # the characters it can begin with
    last: frozenset[str]  # the characters it can end with
    consumes: bool  # whether one match of it takes at least one character
    settled: bool = False  # atomic or possessive: never backtracked into once matched
    low: int = 1
    high: int | None = 1  # None: no limit
    text: str = ""


class _TooDeep(Exception):
    """Groups nest deeper than MAX_DEPTH."""


def regex_problem(pattern: str, whole: bool = False) -> str | None:
    """What is wrong with `pattern`, said after the pattern itself, or None when it is sound.

    `whole`: it must match a whole message (fullmatch), so even a group at its very end must stop early."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"is {len(pattern)} characters long; the limit is {MAX_PATTERN_CHARS}: shorten it"
    try:
        compiled = re.compile(pattern)
        items = _Reader(pattern).branches(0)
    except re.error as error:
        return f"is not a valid regular expression: {error}"
    except (RecursionError, _TooDeep):
        return f"nests groups more than {MAX_DEPTH} deep: simplify it"
    except (ValueError, OverflowError):  # a repetition count of thousands of digits
        return "is not a valid regular expression: a repetition count is too large"
    overrun = _overrun(_group("group", items), whole)
    if overrun is not None:
        return _overrun_told(*overrun)
    probe = _slow_probe(compiled, whole)
    if probe is not None:
        return f"takes too long on the short test message {probe!r}: its time grows too fast with a message's length"
    return None


def _overrun_told(group: _Item, inner: _Item) -> str:
    """Why a repeated group can take minutes, and what to do about it."""
    if group is inner:
        return (
            f"can take minutes on one message: one repetition of the group {quoted(group.text)} can match nothing "
            "at all, so how many repetitions there are is open; make each repetition take at least one character"
        )
    held = quoted(inner.text)
    return (
        f"can take minutes on one message: the repeated group {quoted(group.text)} holds {held}, which can run on into "
        f"the group's next repetition; begin or end each repetition with something {held} cannot match, "
        "as in '( [a-z]+)*' rather than '([a-z]+ ?)*'"
    )


def excerpt(text: str) -> str:
    """A pattern, or a part of one, as a problem quotes it: at most 40 characters."""
    return text if len(text) <= 40 else text[:39] + "\u2026"


def quoted(text: str) -> str:
    """A pattern, or a part of one, in quotes as it is written (its backslashes single): at most 40 characters."""
    return "'" + excerpt(text).replace("\n", "\\n") + "'"


class _Reader:
    """Reads a pattern's text into items; the text is known to compile, so its syntax is sound."""

    def __init__(self, text: str) -> None:
        self.text, self.at, self.verbose = text, 0, False

    def branches(self, depth: int) -> tuple[tuple[_Item, ...], ...]:
        """The alternatives from here up to the ')' that closes the group (or the end)."""
        if depth > MAX_DEPTH:
            raise _TooDeep
        found = [self.sequence(depth)]
        while self.at < len(self.text) and self.text[self.at] == "|":
            self.at += 1
            found.append(self.sequence(depth))
        return tuple(found)

    def sequence(self, depth: int) -> tuple[_Item, ...]:
        """The items of one alternative, each with its repetition."""
        items = []
        while self._skip_layout() and self.text[self.at] not in "|)":
            start = self.at
            atom = self.atom(depth)
            if atom is not None:
                low, high, settled = self.repetition()
                items.append(atom._replace(low=low, high=high, settled=atom.settled or settled, text=self.text[start : self.at]))
        return tuple(items)

    def _skip_layout(self) -> bool:
        """Past the spaces and comments a verbose pattern ignores; whether any pattern is left."""
        text = self.text
        while self.verbose and self.at < len(text) and text[self.at] in _LAYOUT:
            if text[self.at] == "#":
                end = text.find("\n", self.at)
                self.at = len(text) - 1 if end < 0 else end
            self.at += 1
        return self.at < len(text)

    def atom(self, depth: int) -> _Item | None:
        """The character, class, group or anchor starting here (None for a comment or the pattern's flags)."""
        text, at = self.text, self.at
        head = text[at]
        if head == "(":
            return self.group(depth)
        if head == "[":
            end = at + 1 + (text[at + 1] == "^")
            end += text[end] == "]"  # a ']' first is one of the class
            while text[end] != "]":
                end += 2 if text[end] == "\\" else 1
            self.at = end + 1
            return _char(text[at : self.at])
        if head == "\\":
            return self.escape()
        self.at += 1
        if head in "^$":
            return _EMPTY
        return _char("." if head == "." else re.escape(head))

    def escape(self) -> _Item:
        """A backslash and what follows it: a character, a class, an anchor or a back reference."""
        text, at = self.text, self.at
        head = text[at + 1]
        if head in "bBAZ":
            self.at += 2
            return _EMPTY
        if head in "0123456789":
            octal = _OCTAL.match(text, at + 1)
            if octal is not None:
                self.at = octal.end()
                return _char(text[at : self.at])
            reference = _REFERENCE.match(text, at + 1)
            self.at = reference.end() if reference is not None else at + 2
            return _REF
        size = {"x": 4, "u": 6, "U": 10}.get(head, 2)
        self.at = text.index("}", at) + 1 if head == "N" else at + size
        return _char(text[at : self.at])

    def group(self, depth: int) -> _Item | None:
        """A group of any kind, read to its closing ')'; None for a comment or flags for the whole pattern."""
        text, at, verbose = self.text, self.at, self.verbose
        kind, settled = "group", False
        head = text[at + 2] if text.startswith("(?", at) else ""
        if head == "#" or (head == "P" and text[at + 3] == "="):  # a comment; a back reference by name
            self.at = text.index(")", at) + 1
            return None if head == "#" else _REF
        if head == "P":  # a named group
            self.at = text.index(">", at) + 1
        elif head in ("=", "!") or (head == "<" and text[at + 3] in "=!"):
            kind, self.at = "look", at + 3 + (head == "<")
        elif head in (">", ":"):
            settled, self.at = head == ">", at + 3
        elif head == "(":  # a condition: (?(name)yes|no)
            self.at = text.index(")", at + 3) + 1
        elif head:  # flags, for the pattern (?x) or for the group (?x:...)
            flags = _FLAGS.match(text, at + 2)
            on, off, end = flags.groups() if flags else ("", "", ":")
            self.verbose = "x" in on or (verbose and "x" not in (off or ""))
            self.at = flags.end() if flags else at + 2
            if end == ")":
                return None
        else:
            self.at = at + 1
        branches = self.branches(depth + 1)
        self.at += 1  # the closing ")"
        self.verbose = verbose
        return _group(kind, branches, settled)

    def repetition(self) -> tuple[int, int | None, bool]:
        """The repetition after an item (least, most or None, possessive), (1, 1, False) when there is none."""
        if not self._skip_layout():
            return 1, 1, False
        text, at = self.text, self.at
        count = _COUNT.match(text, at) if text.startswith("{", at) and not text.startswith("{}", at) else None
        if text[at] in "*+?":
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[text[at]]
            self.at += 1
        elif count is not None:
            least, comma, most = count.groups()
            low = int(least or 0)
            high = (int(most) if most else None) if comma else low
            self.at = count.end()
        else:
            return 1, 1, False
        settled = self.at < len(text) and text[self.at] == "+"
        self.at += self.at < len(text) and text[self.at] in "?+"
        return low, high, settled


@functools.cache
def _char(token: str) -> _Item:
    """One character of the class or escape `token`, with every character it matches (in either case)."""
    chars = frozenset(c for c in _SAMPLE if re.fullmatch(token, c, re.IGNORECASE | re.DOTALL))
    return _Item("char", (), chars, chars, chars, True)


_EMPTY = _Item("empty", (), frozenset(), frozenset(), frozenset(), False)
_REF = _Item("ref", (), _SAMPLE, _SAMPLE, _SAMPLE, False)  # a back reference: anything, or nothing


def _group(kind: str, branches: tuple[tuple[_Item, ...], ...], settled: bool = False) -> _Item:
    """A group of these alternatives; a lookaround takes no characters, so it neither begins nor ends a run."""
    chars = frozenset().union(*(item.chars for branch in branches for item in branch))
    if kind == "look":
        return _Item(kind, branches, chars, frozenset(), frozenset(), False, settled)
    first = frozenset().union(*(_edge(branch) for branch in branches))
    last = frozenset().union(*(_edge(branch[::-1], forward=False) for branch in branches))
    consumes = all(any(_mandatory(item) for item in branch) for branch in branches)
    return _Item(kind, branches, chars, first, last, consumes, settled)


def _edge(items: tuple[_Item, ...], forward: bool = True) -> frozenset[str]:
    """The characters a run of `items` can begin with (or, read backwards, end with)."""
    found: set[str] = set()
    for item in items:
        found |= item.first if forward else item.last
        if _mandatory(item):
            break
    return frozenset(found)


def _mandatory(item: _Item) -> bool:
    return item.consumes and item.low >= 1


def _repeats(item: _Item) -> bool:
    """Whether the item repeats, and can be backtracked into."""
    return item.kind in ("char", "group", "ref") and not item.settled and (item.high is None or item.high > 1)


Path = tuple[tuple[tuple[_Item, ...], int], ...]  # from a group down to an item: each sequence and the item's place


def _below(item: _Item, path: Path = (), settled_too: bool = True) -> list[tuple[_Item, Path]]:
    """Every item within `item`, each with its path; not within settled items and lookarounds unless `settled_too`."""
    found = []
    for branch in item.branches:
        for index, child in enumerate(branch):
            found.append((child, (*path, (branch, index))))
            if settled_too or not (child.settled or child.kind == "look"):
                found += _below(child, (*path, (branch, index)), settled_too)
    return found


def _overrun(root: _Item, whole: bool) -> tuple[_Item, _Item] | None:
    """A repeated group and a repeat within it that can run on into the group's next repetition, if any."""
    for group, path in _below(root):
        if group.kind != "group" or not _repeats(group) or _at_end(path, whole):
            continue
        if not group.consumes:
            return group, group
        for inner, below in _below(group, settled_too=False):
            if _repeats(inner) and (_runs_on(group, below, inner, True) or _runs_on(group, below, inner, False)):
                return group, inner
    return None


def _at_end(path: Path, whole: bool) -> bool:
    """Whether nothing follows the item at `path`: once its repetitions stop the match succeeds, with no return.

    So it is when it ends the pattern (searched, not matched whole), a lookaround or an atomic group."""
    for depth in range(len(path) - 1, -1, -1):
        sequence, index = path[depth]
        if index != len(sequence) - 1:
            return False
        if depth == 0:
            break
        outer_sequence, outer_index = path[depth - 1]
        enclosing = outer_sequence[outer_index]
        if enclosing.settled or enclosing.kind == "look":
            return True
        if _repeats(enclosing):
            return False
    return not whole


def _runs_on(group: _Item, below: Path, inner: _Item, forward: bool) -> bool:
    """Whether `inner`, within `group`, can run on (forward, or back) into a neighbouring repetition of the group:
    whether, before anything mandatory it cannot match, something it can match may stand."""
    for sequence, index in reversed(below):
        beside = sequence[index + 1 :] if forward else sequence[:index][::-1]
        meets = _meets(beside, inner.chars, forward)
        if meets is not None:
            return meets
    return _meets((group._replace(low=1, high=1),), inner.chars, forward) is not False


def _meets(items: tuple[_Item, ...], chars: frozenset[str], forward: bool) -> bool | None:
    """True when a run of `items` can begin with one of `chars`; False when a mandatory item that cannot comes
    first; None when all of them may be left out."""
    for item in items:
        if (item.first if forward else item.last) & chars:
            return True
        if _mandatory(item):
            return False
    return None


def _slow_probe(compiled: re.Pattern[str], whole: bool) -> str | None:
    """A short probe message on which `compiled` takes far too long, twice over; None when there is none."""
    attempt = compiled.fullmatch if whole else compiled.search
    words: tuple[str, ...] = tuple(dict.fromkeys(_WORD.findall(compiled.pattern)))[:6]
    for unit in _PROBE_UNITS + words + tuple(word + " " for word in words):
        for length in range(2, PROBE_CHARS + 1, 2):  # each a little longer than the last: a slow one stops it soon
            probe = (unit * length)[:length] + "\x00"
            if _took_too_long(attempt, probe) and _took_too_long(attempt, probe):  # not a pause of the machine
                return probe
    return None


def _took_too_long(attempt: Callable[[str], object], probe: str) -> bool:
    started = time.perf_counter()
    attempt(probe)
    return time.perf_counter() - started > PROBE_SECONDS
