"""Frozen values shared by every layer: knowledge, sessions and replies."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Slide:
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


@dataclass(frozen=True)
class Review:
    """Who reviewed a pack, when, and the SHA-256 of what they reviewed."""

    reviewer: str
    date: datetime.date
    sha256: str
    slide_sha256: Mapping[int, str]


@dataclass(frozen=True)
class Pack:
    """One reviewed slideshow with its provenance."""

    id: str
    title: str
    publisher: str
    sources: tuple[str, ...]
    image_credits: tuple[tuple[str, str], ...]
    disclaimer: str
    emergency_line: str
    review: Review
    slides: tuple[Slide, ...]


@dataclass(frozen=True)
class Lexicon:
    """How people talk, as stemmed phrases (tuples of stems)."""

    stopwords: frozenset[tuple[str, ...]]
    forms: Mapping[str, str]
    synonyms: Mapping[tuple[str, ...], tuple[str, ...]]
    not_covered: Mapping[tuple[str, ...], str]
    words: frozenset[str]


@dataclass(frozen=True)
class Rule:
    """A named safety rule: any of its patterns found in the plain message."""

    id: str
    patterns: tuple[re.Pattern[str], ...]
    crisis: bool = False


@dataclass(frozen=True)
class Conversation:
    """Safety rules, commands, small talk and every framing line."""

    emergency_number: str
    crisis_lines: Mapping[str, str]
    max_message_chars: int
    emergency: tuple[Rule, ...]
    advice: tuple[Rule, ...]
    lead_ins: re.Pattern[str]
    intents: Mapping[str, tuple[re.Pattern[str], ...]]
    commands: Mapping[str, re.Pattern[str]]
    number_words: Mapping[str, int]
    lines: Mapping[str, str]


@dataclass(frozen=True)
class Knowledge:
    """Everything the bot serves, validated and frozen."""

    root: str
    packs: tuple[Pack, ...]
    lexicon: Lexicon
    conversation: Conversation

    @property
    def slides(self) -> tuple[Slide, ...]:
        """Every slide of every pack, in pack order."""
        return tuple(slide for pack in self.packs for slide in pack.slides)

    def pack(self, pack_id: str) -> Pack:
        """The pack with this id."""
        return next(pack for pack in self.packs if pack.id == pack_id)


@dataclass(frozen=True)
class Source:
    """Where a quote comes from and who reviewed it."""

    pack: str
    pack_title: str
    slide: int
    title: str
    publisher: str
    reviewer: str
    review_date: str

    def as_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "pack": self.pack,
            "pack_title": self.pack_title,
            "slide": self.slide,
            "title": self.title,
            "publisher": self.publisher,
            "reviewer": self.reviewer,
            "review_date": self.review_date,
        }


@dataclass(frozen=True)
class Reply:
    """One reply, rendered alike by every front end."""

    kind: str
    text: str
    slides: tuple[int, ...] = ()
    quotes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    notice: str = ""
    suggestions: tuple[str, ...] = ()
    rule: str = ""
    explanation: Mapping[str, object] = field(default_factory=dict, compare=False)

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
        }
        if explain:
            data["explanation"] = dict(self.explanation)
        return data


@dataclass(frozen=True)
class Session:
    """One conversation's state: only ids, never the person's words."""

    pack: str = ""
    slide: int = 0
    pending: tuple[str, ...] = ()
    turns: int = 0
