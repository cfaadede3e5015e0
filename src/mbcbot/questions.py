"""A message read as the questions it asks: its sentences and clauses, and two questions joined in one."""

from __future__ import annotations

import re
from collections.abc import Callable, Sized
from typing import Protocol, TypeVar

from mbcbot.model import Conversation
from mbcbot.text import clauses, plain


class Reading(Protocol):
    """What a clause is read as (a matcher's Query): the slides' words it holds, the uncovered subjects it names."""

    @property
    def known(self) -> tuple[str, ...]: ...

    @property
    def not_covered(self) -> tuple[str, ...]: ...


Read = TypeVar("Read", bound=Reading)

# words in quotes, as pasted from a letter or report ('metastatic disease'), not an apostrophe inside a word
_QUOTED = re.compile(r"(?<!\w)['\"\u2018\u201c]([^'\"\u2019\u201d]{3,80})['\"\u2019\u201d](?!\w)")


def question_clauses(text: str, rules: Conversation, uncovered: Callable[[str], bool] | None = None) -> list[str]:
    """The sentences and comma clauses of a message, then the halves of a clause that joins a question to something
    else, in plain form: those that ask (end with '?' or read as `asking` says) first, each group last first. When
    the message names an uncovered subject (`uncovered` tells whether a clause does), only the clauses that ask."""
    sentences, finer = clauses(text), clauses(text, commas=True)
    # of a message about an uncovered subject, a question joined to a story ("her back is worse at night and dad
    # wants to know ..."), or to a question after it ("is pain relief part of treatment or is that only at the
    # end"), not a question that follows one about the uncovered subject ("what is sepsis and why ...")
    only_asked = uncovered is not None
    separable = (lambda first: not uncovered(first)) if uncovered is not None else None
    halves = [half for part in finer for half in joined_questions(part, rules, separable)]
    wholes = list(dict.fromkeys([*sentences, *finer]))
    if len(wholes) + len(halves) < 2:
        return []
    found: list[str] = []
    for group in (wholes, [half for half in halves if half not in wholes]):
        asked = [part for part in group if asks(part, rules)]
        told = [] if only_asked else [part for part in group if part not in asked]
        found += [*reversed(asked), *reversed(told)]
    return [plain(part) for part in found if plain(part)]


def without_stories(
    text: str,
    rules: Conversation,
    read: Callable[[str], Read],
    names: Callable[[Read, str], bool],
    subject: Callable[[Read], Sized],  # the slides a clause names by their subject; none is falsy
) -> str:
    """The message without the sentences and asides in brackets that tell of an uncovered subject and ask nothing
    ("i don't use computers much.", "(yes, men get it too)"), in plain form, when what is left asks of something
    it `names` (a question alone, as `read`) or a story kept knows ("... cancer is metastatic. i don't use
    computers. what does that word mean?"); else "". Of a sentence that tells of an uncovered subject, a clause
    naming a slide's `subject` is kept ("she has mets in her lungs, she was always the sporty one"). Words quoted
    in a sentence left out are kept ("a letter from the clinic says 'metastatic disease'. what does that mean?")."""
    sentences = _told_apart(clauses(text, asides=True), rules, read, subject)
    parts = [(plain(part), asks(part, rules)) for part in sentences]
    readings = {said: read(said) for said, _ in parts}
    kept = [(said, asking) for said, asking in parts if asking or not readings[said].not_covered]
    if len(kept) == len(parts) or not any(asking for _, asking in kept):
        return ""
    left_out = [part for part, told in zip(sentences, parts, strict=True) if told not in kept]
    quoted = [said for part in left_out for said in map(plain, _QUOTED.findall(part)) if said]
    readings.update({said: read(said) for said in quoted})
    kept = [(said, False) for said in quoted if not readings[said].not_covered] + kept
    if not any(names(readings[said], said) if asking else readings[said].known for said, asking in kept):
        return ""
    return plain(" ".join(said for said, _ in kept))


def _told_apart(
    sentences: list[str], rules: Conversation, read: Callable[[str], Read], subject: Callable[[Read], Sized]
) -> list[str]:
    """The sentences, each that tells of an uncovered subject and asks nothing cut at its commas, with only its
    clauses that name a slide's subject, quote words or name the uncovered subject."""
    apart: list[str] = []
    for sentence in sentences:
        finer = clauses(sentence, commas=True)
        if len(finer) < 2 or asks(sentence, rules) or not read(plain(sentence)).not_covered:
            apart.append(sentence)
            continue
        readings = [(part, read(plain(part))) for part in finer]
        apart += [part for part, reading in readings if reading.not_covered or subject(reading) or _QUOTED.search(part)]
    return apart


def asks(clause: str, rules: Conversation) -> bool:
    """Whether a clause asks a question: it ends with "?", or opens with or holds a question word."""
    return clause.rstrip().endswith("?") or bool(rules.asking.search(plain(clause)))


def asks_anything(text: str, rules: Conversation) -> bool:
    """Whether any clause of a message asks a question."""
    return any(asks(clause, rules) for clause in clauses(text, commas=True))


def joined_questions(part: str, rules: Conversation, separable: Callable[[str], bool] | None = None) -> list[str]:
    """The two halves of a clause that joins a question to a story ("her back is worse at night and dad wants to
    know what happens in the bones") or to another question ("where does it spread to and how do they treat it?"),
    that one if `separable` allows the first question to stand apart; none when it joins no question."""
    said = plain(part)
    for join in rules.joining.finditer(said):
        first, second = said[: join.start()].strip(), said[join.end() :].strip()
        if not (first and second and rules.asking.search(second)):
            continue
        if not rules.asking.search(first):
            return [first, second]
        if (separable is None or separable(first)) and rules.asking.match(second):
            return [first, second]
    return []
