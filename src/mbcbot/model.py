"""Frozen values shared by every layer: knowledge, sessions and replies.

They are NamedTuples rather than dataclasses: as immutable, and several times
cheaper to define, which keeps `mbcbot ask` quick to start.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, NoReturn, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(dict[K, V]):
    """A mapping that cannot change after it is built (and can be pickled)."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("knowledge is frozen once loaded")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (type(self), (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(map(repr, self.items()))))


class Pattern(NamedTuple):
    """A regular expression of the knowledge, compiled the first time a message needs it.

    Knowledge holds a score of patterns and most messages need a few of them, so a start need not compile them all.
    """

    pattern: str

    def search(self, text: str) -> re.Match[str] | None:
        return _compiled(self.pattern).search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return _compiled(self.pattern).match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return _compiled(self.pattern).fullmatch(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return _compiled(self.pattern).finditer(text)

    def sub(self, replacement: str | Callable[[re.Match[str]], str], text: str) -> str:
        return _compiled(self.pattern).sub(replacement, text)


@functools.cache
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


KINDS = (
    "answer",
    "clarify",
    "fallback",
    "emergency",
    "advice",
    "greeting",
    "help",
    "sources",
    "thanks",
    "goodbye",
)


class Slide(NamedTuple):
    """One slide of a reviewed pack; `text` is verbatim."""

    pack: str
    number: int
    id: str
    title: str
    image: str
    keywords: tuple[str, ...]
    samples: tuple[str, ...]
    text: str
    sentences: tuple[str, ...]


class Review(NamedTuple):
    """Who reviewed a pack, when, and the SHA-256 of what they reviewed."""

    reviewer: str
    date: str  # ISO 8601, as 2022-01-19
    sha256: str
    slide_sha256: Mapping[int, str]


class Pack(NamedTuple):
    """One reviewed slideshow with its provenance."""

    id: str
    order: int
    title: str
    publisher: str
    subject: tuple[str, ...]
    sources: tuple[str, ...]
    image_credits: tuple[tuple[str, str], ...]
    disclaimer: str
    emergency_line: str
    review: Review
    slides: tuple[Slide, ...]
    folder: str = ""  # where it was read from, as problems name it


class Lexicon(NamedTuple):
    """How people talk, as stemmed phrases (tuples of stems)."""

    stopwords: frozenset[tuple[str, ...]]
    forms: Mapping[str, str]
    synonyms: Mapping[tuple[str, ...], tuple[str, ...]]
    not_covered: Mapping[tuple[str, ...], str]  # a term -> the id of the subject not covered
    words: frozenset[str]
    why: frozenset[tuple[str, ...]] = frozenset()
    because: tuple[tuple[str, ...], ...] = ()
    linking: frozenset[str] = frozenset()  # stems that count for a slide holding them, not against one without
    places: Mapping[str, tuple[str, ...]] = FrozenMap()  # a body part's stem -> the slide words it means, asked where
    where: frozenset[str] = frozenset()  # stems that ask where the cancer goes ("spread"): a place then means its words
    topics: Mapping[str, str] = FrozenMap()  # a subject not covered: its id -> the topic a reply names ("Hair loss and wigs")


class Rule(NamedTuple):
    """A safety rule: it fires when every concept of one of its combinations stands in a message (see `safety`)."""

    id: str
    crisis: bool = False
    when: tuple[tuple[str, ...], ...] = ()
    always: bool = False  # a hit counts however it is framed
    within: int = 0  # when set, a combination's concepts stand within this many words of one another
    flags: frozenset[str] = frozenset()  # the concepts its combinations open with: none held, it cannot fire
    lasting: bool = False  # the harm outlasts feeling better: "she seems fine now" does not stand it down


# Named phrases as phrases.py files them (see phrases.Phrasebook): first word -> ({second word: openings}, openings)
PhraseEntry = tuple[tuple[Any, ...], str, tuple[frozenset[str], ...], int]
Phrasebook = Mapping[str, tuple[Mapping[str, tuple[PhraseEntry, ...]], tuple[PhraseEntry, ...]]]


class Safety(NamedTuple):
    """Red-flag and advice concepts, the framing that tells a report from a question, and the rules over them."""

    phrases: Phrasebook
    emergency: tuple[Rule, ...]
    advice: tuple[Rule, ...]
    vocabulary: frozenset[str]  # every plain word the concepts name: misspellings of them are corrected
    shorthand: Mapping[str, str] = FrozenMap()  # text-speak read as the word it stands for ("u" -> "you")
    remembered: frozenset[str] = frozenset()  # concepts a conversation keeps from earlier messages ("on chemo")


INTENTS = ("greeting", "thanks", "goodbye", "help", "sources")  # small talk, in the order the later wins
PARTING = "parting"  # closing small talk ("I'll ask the nurse"): a goodbye alone, else part of the intent beside it
COMMANDS = ("more", "onward", "next", "previous", "slide", "listed", "beside", "topics", "restart")  # navigation said in words
# the named groups a command must have: the slide number, the list item, which way and the slide named
COMMAND_GROUPS = {"slide": ("n",), "listed": ("n",), "beside": ("way", "name")}


class Conversation(NamedTuple):
    """Safety rules, commands, small talk and every framing line."""

    emergency_number: str
    crisis_lines: Mapping[str, str]
    max_message_chars: int
    lead_ins: Pattern  # courtesy and navigation words removed from the start of a message
    trail_offs: Pattern  # navigation words removed from its end ("the liver one again")
    asking: Pattern  # a clause that asks: how it opens ("what", "can") or what it holds ("wondering")
    joining: Pattern  # a word joining two questions in one sentence ("where does it go and how ...")
    referring: Pattern  # a clause asking about what came before ("is that common?", "is it a big operation?")
    comparing: Pattern  # a clause comparing it with something ("is that the same as ..."): about what came before
    defining: Pattern  # a question of what a word means ("what does metastatic mean?"): after a story, asked alone
    premise: Pattern  # the slideshow's premise beside a question ("once it's spread"): read again without it
    pointing: Pattern  # a word that points back at what was said ("it", "that"): a clause without one stands alone
    telling: Pattern  # a clause telling of someone ("my wife has secondaries"): after a greeting, no question
    closing: Pattern  # the thanks or goodbye that may end a message after news ("they are here now, thank you")
    dictated: Pattern  # punctuation voice typing writes out as words ("in the brain comma what are the signs")
    marks: Mapping[str, str]  # each such word, lower case, and the mark it stands for
    intents: Phrasebook
    filler: frozenset[str]  # stems read beside small-talk phrases ("so", "much", "x")
    commands: Mapping[str, Pattern]
    number_words: Mapping[str, int]
    lines: Mapping[str, str]


class Knowledge(NamedTuple):
    """Everything the bot serves, validated and frozen."""

    root: str
    packs: tuple[Pack, ...]
    lexicon: Lexicon
    conversation: Conversation
    safety: Safety

    @property
    def slides(self) -> tuple[Slide, ...]:
        """Every slide of every pack, in pack order."""
        return tuple(slide for pack in self.packs for slide in pack.slides)

    def pack(self, pack_id: str) -> Pack:
        """The pack with this id."""
        return next(pack for pack in self.packs if pack.id == pack_id)

    def fits(self, session: Session) -> bool:
        """Whether a conversation's state names only what this knowledge holds: a pack renamed or a slide removed
        since the state was issued does not fit."""
        if session.pack and all(pack.id != session.pack for pack in self.packs):
            return False
        sizes = [len(pack.slides) for pack in self.packs if not session.pack or pack.id == session.pack]
        known_alert = not session.alert or any(rule.id == session.alert for rule in self.safety.emergency)
        in_range = session.slide <= max(sizes, default=0) and session.subject <= max(sizes, default=0)
        return in_range and known_alert and set(session.context) <= self.safety.remembered


class Source(NamedTuple):
    """Where a quote comes from and who reviewed it."""

    pack: str
    pack_title: str
    slide: int
    title: str
    publisher: str
    reviewer: str
    review_date: str

    def as_dict(self) -> dict[str, object]:
        """The JSON form (namedtuple's public `_asdict`)."""
        return dict(self._asdict())


class Passage(NamedTuple):
    """One quoted slide of a reply: which slide, the line that introduces it, its quoted passages, its source line,
    and that line in short (publisher, reviewer, review date) for a front end that names the slide beside the quotes."""

    pack: str
    slide: int
    title: str
    heading: str
    quotes: tuple[str, ...]
    source_line: str
    source_short: str = ""

    def as_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {**self._asdict(), "quotes": list(self.quotes)}


class Reply(NamedTuple):
    """One reply, rendered alike by every front end.

    `text` is one rendering of it; front ends render its structure instead: the framing lines before the quotes
    (`intro`), each quoted slide (`passages`), the framing lines after them (`lines`: all of a reply that quotes
    nothing), then each passage's source line and the `notice`. `hints` are those of `lines` that only point at the
    `suggestions` (a front end showing them as buttons may leave them out); `call` is the number an emergency reply
    tells the person to call; `uncovered` the ids of the subjects not covered that the message named, in its order.
    """

    kind: str
    text: str
    slides: tuple[int, ...] = ()
    quotes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    notice: str = ""
    suggestions: tuple[str, ...] = ()
    rule: str = ""
    explanation: Mapping[str, object] = FrozenMap()
    intro: tuple[str, ...] = ()
    passages: tuple[Passage, ...] = ()
    lines: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    call: str = ""
    uncovered: tuple[str, ...] = ()

    def as_dict(self, explain: bool = False) -> dict[str, object]:
        """The JSON reply contract (see README)."""
        data: dict[str, object] = {
            "kind": self.kind,
            "slides": list(self.slides),
            "quotes": list(self.quotes),
            "text": self.text,
            "sources": [source.as_dict() for source in self.sources],
            "notice": self.notice,
            "suggestions": list(self.suggestions),
            "rule": self.rule,
            "intro": list(self.intro),
            "passages": [passage.as_dict() for passage in self.passages],
            "lines": list(self.lines),
            "hints": list(self.hints),
            "call": self.call,
            "uncovered": list(self.uncovered),
        }
        if explain:
            data["explanation"] = dict(self.explanation)
        return data

    @classmethod
    def from_dict(cls, data: object) -> Reply:
        """The reply a JSON reply contract describes (as a service sends it); ValueError names what does not fit."""
        texts = _fields(data, "the reply", REPLY_TEXTS)
        strings = functools.partial(_items, data, "the reply", kind=str)
        return cls(
            **texts,
            slides=_items(data, "the reply", "slides", int),
            quotes=strings("quotes"),
            sources=tuple(
                Source(**_fields(item, "a source", SOURCE_TYPES)) for item in _items(data, "the reply", "sources", dict)
            ),
            suggestions=strings("suggestions"),
            intro=strings("intro"),
            passages=tuple(_passage(item) for item in _items(data, "the reply", "passages", dict)),
            lines=strings("lines"),
            hints=strings("hints"),
            uncovered=strings("uncovered"),
        )


Answered = tuple[Reply, tuple[str, ...]]  # a reply, and what was wrong with the turn itself (a state a service lost)
Exchange = Callable[[str], Answered]  # one conversation: each message's reply, in order

REPLY_TEXTS = {"kind": str, "text": str, "notice": str, "rule": str, "call": str}
SOURCE_TYPES = {name: int if name == "slide" else str for name in Source._fields}
PASSAGE_TYPES = {"pack": str, "slide": int, "title": str, "heading": str, "source_line": str, "source_short": str}


def _fields(data: object, what: str, types: Mapping[str, type]) -> dict[str, Any]:
    """The fields of `data` that `types` names, each checked to be of its type."""
    if not isinstance(data, dict):
        raise ValueError(f"{what} is not an object")
    for name, kind in types.items():
        if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool):
            raise ValueError(f"{what}: '{name}' is not {kind.__name__}")
    return {name: data[name] for name in types}


def _items(data: object, what: str, name: str, kind: type) -> tuple[Any, ...]:
    """The list `data[name]`, each item of type `kind`."""
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, list) or not all(isinstance(item, kind) and not isinstance(item, bool) for item in value):
        raise ValueError(f"{what}: '{name}' is not a list of {kind.__name__}")
    return tuple(value)


def _passage(data: object) -> Passage:
    return Passage(**_fields(data, "a passage", PASSAGE_TYPES), quotes=_items(data, "a passage", "quotes", str))


class Session(NamedTuple):
    """One conversation's state: only ids, never the person's words."""

    pack: str = ""
    slide: int = 0
    turns: int = 0
    subject: int = 0  # the slide whose subject the last question named ("can it spread to the brain?": Brain), or 0
    alert: str = ""  # the emergency rule the last reply answered ("fever-after-treatment"), or "": a rule id only
    whole: bool = False  # the last reply showed the slide in hand whole: "more" goes on to the next
    context: tuple[str, ...] = ()  # remembered safety concepts earlier messages named ("anticancer"): names only
