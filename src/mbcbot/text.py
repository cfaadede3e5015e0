"""Pure text functions: normalise, plain form, words, stems, sentences."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping

STEMS_REMEMBERED = 1 << 17  # distinct words whose stem is kept; bounds memory on hostile input
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4\u02bc]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"[a-z0-9]+\+?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d\u2019]?\s+(?=[\"\u201c\u2018A-Z])")
_VOWEL = re.compile(r"[aeiouy]")


def normalised(text: str) -> str:
    """The text as a person meant it: NFKC, no control characters, single spaces."""
    if not text.isascii():  # ASCII is already in NFKC
        text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def plain(text: str) -> str:
    """Normalised text in lower case, apostrophes dropped, anything else not a letter or digit made a space."""
    lowered = _APOSTROPHES.sub("", text.lower())
    return _NOT_WORD.sub(" ", lowered).strip()


def words(text: str) -> list[str]:
    """Lower-case words of the text, apostrophes dropped ("doesn't" -> "doesnt")."""
    return _WORD.findall(_APOSTROPHES.sub("", text.lower()))


@functools.lru_cache(maxsize=STEMS_REMEMBERED)
def stem(word: str) -> str:
    """A light, symmetric stem: plural, -ing, -ed and a final -e removed (remembered: large packs repeat words)."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix, shortest in (("ing", 3), ("ed", 3)):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= shortest and _VOWEL.search(base):
            word = base[:-1] if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz" else base
            break
    if len(word) > 3 and word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]
    return word


def stems(text: str, forms: Mapping[str, str]) -> tuple[str, ...]:
    """The stems of a text's words, irregular forms first made regular."""
    return tuple([stem(forms.get(word, word)) for word in words(text)])


def sentences(text: str) -> list[str]:
    """The sentences of a slide text, each exactly as it stands in the text."""
    return [part for part in _SENTENCE_END.split(text) if part]


def phonetic_key(word: str) -> str:
    """A rough sound-alike key, so "lymf" finds "lymph"."""
    key = word.replace("ph", "f").replace("ck", "k").replace("z", "s")
    key = re.sub(r"(.)\1+", r"\1", key)
    return key[:-1] if len(key) > 3 and key.endswith("e") else key
