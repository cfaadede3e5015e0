"""Phrases over word stems, the little language safety concepts are written in.

A phrase is words, read as stems, with:
  (a|b c)   either wording; (a|) makes a word optional; groups nest
  word*     any word that begins so ("suicid*")
  _         any one word
  ...       up to three words, or none ("face ... dropped" reads "face has sort of dropped")
  <38-43>   a whole number in that range ("38", "38c", "39.5" reads as 39 and 5)

A phrase is parsed once, when knowledge loads, into nested tuples, and tried
at a word by walking them: no wording is spelled out, so a phrase with many
choices costs no more memory than its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import chain
from typing import Any, NamedTuple

from mbcbot.model import Phrasebook, PhraseEntry
from mbcbot.text import stem, words

# A parsed phrase: ("w", stem) | ("p", prefix) | ("n", low, high) | ("_",) | ("gap",) | ("seq", parts) | ("alt", options)
# | ("set", stems): one word of several, as a group's one-word options are kept
Node = tuple[Any, ...]

_TOKEN = re.compile(r"\(|\)|\||[^\s()|]+")
_NUMBER = re.compile(r"<(\d{1,4})-(\d{1,4})>")
_LEADING_NUMBER = re.compile(r"(\d+)(c|f|deg|degree|degrees)?")
ANY_NUMBER = "#"  # the first word of a phrase that opens with a number
MAX_DEPTH = 8  # groups nested deeper than this are refused
GAP = "..."  # up to GAP_WORDS words, or none
GAP_WORDS = 3
PREFIX_MARK = "*"  # phrases opening with a prefix are filed under this and the prefix's first three letters

MAX_OPENINGS = 256  # a phrase read as more ways of opening than this is filed whole

# Named phrases filed under the words they can open with, then by the word that must come next (when only
# certain words can): first word -> ({second word: (entry, ...)}, (entry that goes on with any word, ...)).
# An entry is (opening, name, needs, phrase): an opening is the phrase read from one of its first wordings
# ("(a|b) c" opens as "a c" and "b c"), `needs` are sets of stems a message must hold one of each for it to
# stand in the message (a cheap test first), and `phrase` numbers the phrase the opening comes from (a
# phrase is found once at a word). The types are model.Phrasebook's.
Shelf = tuple[Mapping[str, tuple[PhraseEntry, ...]], tuple[PhraseEntry, ...]]


class Hit(NamedTuple):
    """A named phrase found in a message, by word positions (end included)."""

    concept: str
    start: int
    end: int


def phrasebook(named: Mapping[str, list[Node]]) -> dict[str, Shelf]:
    """The phrases, each opening filed under the words it can open with (so a message walks only the openings
    its words begin)."""
    filed: dict[str, list[PhraseEntry]] = {}
    number = 0
    for name, phrases in named.items():
        for phrase in phrases:
            for opening in _openings(phrase):
                opens = first_words(opening)  # held wherever the opening is looked up: no need to test them
                needs = tuple(need for need in reversed(_needs(opening)) if not opens <= need)  # the last words first
                entry = (opening, name, needs, number)
                for first in sorted(opens):
                    key = PREFIX_MARK + first[:3] if first.endswith("*") else first
                    filed.setdefault(key, []).append(entry)
            number += 1
    return {key: _shelf(found) for key, found in sorted(filed.items())}


def _shelf(entries: list[PhraseEntry]) -> Shelf:
    """The openings filed under one first word, by the words that can come second."""
    by_second: dict[str, list[PhraseEntry]] = {}
    any_second: list[PhraseEntry] = []
    for entry in entries:
        seconds = _seconds(entry[0])
        if seconds is None:
            any_second.append(entry)
        for word in sorted(seconds or ()):
            by_second.setdefault(word, []).append(entry)
    # a plain dict, read-only as the Mapping the types give it: plain data all through, as the cache keeps it
    return {word: tuple(found) for word, found in sorted(by_second.items())}, tuple(any_second)


def _seconds(node: Node) -> frozenset[str] | None:
    """The stems that can stand second in a phrase, when only certain stems can (None when any word can)."""
    parts = _flat(node)
    if len(parts) < 2 or parts[0][0] not in ("w", "set"):
        return None
    rest: Node = ("seq", tuple(parts[1:]))
    if _empty(rest):  # the phrase may end after its first word: any word may follow
        return None
    found = _firsts(rest)  # through optional groups ("is (a |)temp" goes on with "a" or "temp")
    return frozenset(found) if found and all(_plain(word) for word in found) else None


def _flat(node: Node) -> list[Node]:
    """A phrase's parts in order, sequences opened up (groups kept whole)."""
    if node[0] != "seq":
        return [node]
    return [part for child in node[1] for part in _flat(child)]


def _plain(word: str) -> bool:
    return word not in ("_", ANY_NUMBER) and not word.endswith("*")


def _openings(node: Node) -> list[Node]:
    """The phrase as one phrase for each way its first group opens ("(a|b) c" is "a c" and "b c")."""
    if node[0] != "seq" or not node[1] or node[1][0][0] != "alt":
        return [node]
    rest = node[1][1:]
    found: list[Node] = []
    for option in node[1][0][1]:
        found += _openings(("seq", (*option[1], *rest)))
        if len(found) > MAX_OPENINGS:
            return [node]
    return found


def _needs(node: Node) -> tuple[frozenset[str], ...]:
    """Sets of stems a message must hold one of each, for the phrase to stand in it."""
    kind = node[0]
    if kind == "w":
        return (frozenset({str(node[1])}),)
    if kind == "set":
        return (node[1],)
    if kind == "seq":
        return tuple(need for part in node[1] for need in _needs(part))
    if kind == "alt":
        options = [_needs(option) for option in node[1]]
        return (frozenset().union(*(option[0] for option in options)),) if all(options) else ()
    return ()  # a prefix, a number or any word: no stem is needed


def hits(book: Phrasebook, text: str, shorthand: Mapping[str, str] | None = None) -> list[Hit]:
    """Every phrase of the book in `text`, with its words' positions (the longest reading of each); a word of
    `shorthand` is read as the word it stands for ("u" as "you")."""
    said = words(text)
    if shorthand:
        said = [shorthand.get(word, word) for word in said]
    stems = [stem(word) for word in said]
    held = set(stems)
    found: dict[tuple[int, int], Hit] = {}  # by phrase and word: the longest reading of any of its openings
    last = len(stems) - 1
    for at, first in enumerate(stems):
        word = said[at]
        keys = [first]
        if len(word) >= 3:
            keys.append(PREFIX_MARK + word[:3])
        if word[:1].isdigit():
            keys.append(ANY_NUMBER)
        following = stems[at + 1] if at < last else ""
        for key in keys:
            shelf = book.get(key)
            if shelf is None:
                continue
            by_second, any_second = shelf
            for opening, concept, needs, number in chain(by_second.get(following, ()), any_second):
                for need in needs:
                    if held.isdisjoint(need):
                        break  # a word the phrase needs is not in the message: no walk
                else:
                    reached = ends(opening, said, stems, at)
                    if reached:
                        end = max(reached) - 1
                        known = found.get((number, at))
                        if known is None or known.end < end:
                            found[(number, at)] = Hit(concept, at, end)
    return list(found.values())


def parsed(text: str) -> Node:
    """The phrase, parsed; ValueError saying what is wrong with it."""
    tokens = _TOKEN.findall(text.lower())
    node, at = _sequence(tokens, 0, 0)
    if at != len(tokens):
        raise ValueError("has a ')' before its '('")
    if not _firsts(node):
        raise ValueError("can be read as no words at all")
    if "_" in _firsts(node):
        raise ValueError("may not open with '_' (any word) or '...' (a gap)")
    return node


def _sequence(tokens: list[str], at: int, depth: int) -> tuple[Node, int]:
    """The parts from `at` up to a '|' or ')' at this depth, and where they end."""
    parts: list[Node] = []
    while at < len(tokens) and tokens[at] not in ("|", ")"):
        token = tokens[at]
        if token == "(":
            if depth >= MAX_DEPTH:
                raise ValueError(f"nests groups more than {MAX_DEPTH} deep")
            options: list[Node] = []
            at += 1
            while True:
                option, at = _sequence(tokens, at, depth + 1)
                options.append(option)
                if at >= len(tokens):
                    raise ValueError("has a '(' that is never closed")
                at += 1
                if tokens[at - 1] == ")":
                    break
            parts.append(_group(options))
            continue
        parts.extend(_words(token))
        at += 1
    if depth == 0 and at < len(tokens) and tokens[at] == "|":
        raise ValueError("has a '|' outside any group")
    return ("seq", tuple(parts)), at


def _group(options: list[Node]) -> Node:
    """A group of options, its one-word options kept as one set of stems (tried at once)."""
    single = [option for option in options if len(option[1]) == 1 and option[1][0][0] == "w"]
    if len(single) < 2:
        return ("alt", tuple(options))
    others = [option for option in options if option not in single]
    words_node: Node = ("seq", (("set", frozenset(option[1][0][1] for option in single)),))
    return ("alt", (words_node, *others)) if others else words_node


def _words(token: str) -> list[Node]:
    if token == "_":
        return [("_",)]
    if token == GAP:
        return [("gap",)]
    if token.endswith("*") and len(token) > 1:
        prefix = "".join(words(token))
        if len(prefix) < 3:
            raise ValueError(f"has a prefix {token!r} of under three letters")
        return [("p", prefix)]
    number = _NUMBER.fullmatch(token)
    if number:
        return [("n", int(number.group(1)), int(number.group(2)))]
    read = words(token)
    if not read:  # a regular expression's '?' or '+', or '&': a message never holds it, so it would match nothing
        raise ValueError(f"has {token!r}, which is not a word (an optional word is written '(word|)')")
    return [("w", stem(word)) for word in read]


def first_words(node: Node) -> frozenset[str]:
    """The stems a phrase can open with; ANY_NUMBER for a number, a prefix as "prefix*"."""
    return frozenset(_firsts(node))


def _firsts(node: Node) -> set[str]:
    kind = node[0]
    if kind == "w":
        return {str(node[1])}
    if kind == "set":
        return set(node[1])
    if kind == "p":
        return {f"{node[1]}*"}
    if kind == "n":
        return {ANY_NUMBER}
    if kind in ("_", "gap"):
        return {"_"}
    if kind == "alt":
        return set().union(*(_firsts(option) for option in node[1]))
    found: set[str] = set()
    for part in node[1]:
        found |= _firsts(part)
        if not _empty(part):
            break
    return found


def _empty(node: Node) -> bool:
    """Whether the phrase can be read as no words."""
    kind = node[0]
    if kind == "seq":
        return all(_empty(part) for part in node[1])
    if kind == "alt":
        return any(_empty(option) for option in node[1])
    return bool(kind == "gap")


def ends(node: Node, said: list[str], stems: list[str], at: int) -> set[int]:
    """Where a reading of the phrase that starts at word `at` can end (the word after its last)."""
    kind = node[0]
    if kind == "seq":
        positions = {at}
        for part in node[1]:
            if len(positions) == 1 and part[0] in ("w", "set"):  # a word read in place: most parts of most phrases
                (position,) = positions
                there = stems[position] if position < len(stems) else ""
                if not (there == part[1] if part[0] == "w" else there in part[1]):
                    return set()
                positions = {position + 1}
                continue
            positions = {end for position in positions for end in ends(part, said, stems, position)}
            if not positions:
                break
        return positions
    if kind == "alt":
        return set().union(*(ends(option, said, stems, at) for option in node[1]))
    if kind == "gap":
        return set(range(at, min(at + GAP_WORDS, len(stems)) + 1))
    if at >= len(stems):
        return set()
    if kind == "w":
        return {at + 1} if stems[at] == node[1] else set()
    if kind == "set":
        return {at + 1} if stems[at] in node[1] else set()
    if kind == "p":
        return {at + 1} if said[at].startswith(str(node[1])) else set()
    if kind == "n":
        number = _LEADING_NUMBER.fullmatch(said[at])
        digits = (number.group(1).lstrip("0") or "0") if number else ""  # a range's numbers have at most four digits
        low, high = int(node[1]), int(node[2])
        return {at + 1} if 0 < len(digits) <= 4 and low <= int(digits) <= high else set()
    return {at + 1}  # "_": any word
