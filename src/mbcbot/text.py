"""Text functions (normalise, plain form, words, stems, sentences, clauses, pieces, printable) and the Reader that
reads slide texts once a load."""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence

STEMS_REMEMBERED = 1 << 17  # distinct words whose stem is kept; bounds memory on hostile input
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4\u02bc]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# what a terminal could act on (C0 but tab and line end, DEL, C1: ESC starts its sequences) and what XML 1.0 cannot hold
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_UNPRINTABLE_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")  # line ends too
_SHORT_ESCAPES = {"\n": "\\n", "\t": "\\t"}
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")  # inside words: "li\u200bver"
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_LETTERS = re.compile(r"[a-z]+")
_WORD = re.compile(r"[a-z0-9]+\+?")
_SENTENCE_END = re.compile(r"[.!?]([\"\u201d\u2019]?\s+)(?=[\"\u201c\u2018A-Z])")  # group 1: what lies between two
_CLAUSE_END = re.compile(r"(?<=[.!?;:\n])(?!\d)\s*")  # after the mark that ends a sentence or clause (not "38.5")
_ASIDE = re.compile(r"\s*(?=\()|(?<=\))\s*")  # around an aside in brackets ("dad (yes, men get it too) has ...")
_CLAUSE_COMMA = re.compile(r"(?<=[.!?;:,\n])(?!\d)\s*|\s+[-\u2013\u2014]+\s+")  # after commas (not "1,000") and dashes
_VOWEL = re.compile(r"[aeiouy]")
_PIECE_END = re.compile(r"(?<=[.!?\n])\s+")  # the space after a sentence's mark, where a long text is cut
_ASCII_WORDS = bytes(  # for ASCII text without "+": capitals lowered, anything not a letter or digit a space
    code if chr(code).islower() or chr(code).isdigit() else ord(chr(code).lower()) if chr(code).isalnum() else ord(" ")
    for code in range(256)
)
_ASCII_DROPPED = b"'`"  # apostrophes


def normalised(text: str) -> str:
    """The text as a person meant it: NFKC, no invisible characters, control characters as spaces, single spaces."""
    if not text.isascii():  # ASCII is already in NFKC
        text = unicodedata.normalize("NFKC", text)
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # no control character, no space but single ones inside: the common case, one scan
    return _SPACE.sub(" ", _CONTROL.sub(" ", _INVISIBLE.sub("", text))).strip()


def printable(text: str, line_ends: bool = True) -> str:
    """The text with each character a terminal could act on, or XML 1.0 cannot hold, written as its escape
    (ESC as \\x1b), line ends and tabs kept unless `line_ends` is False (a log line: a newline written as \\n can
    forge no line): what any file or person wrote can be shown, never obeyed."""
    return (_UNPRINTABLE if line_ends else _UNPRINTABLE_IN_A_LINE).sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    code = ord(char)
    return _SHORT_ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def plain(text: str) -> str:
    """Normalised text in lower case, apostrophes dropped, anything else not a letter or digit made a space."""
    lowered = _APOSTROPHES.sub("", text.lower())
    return _NOT_WORD.sub(" ", lowered).strip()


def rewritten(text: str, change: Callable[[str], str]) -> str:
    """The text in lower case, apostrophes dropped, each run of letters replaced by `change` of it; punctuation
    and spaces kept, so clause breaks still read ("siggns, ok" -> "signs, ok")."""
    return _LETTERS.sub(lambda found: change(found.group()), _APOSTROPHES.sub("", text.lower()))


def words(text: str) -> list[str]:
    """Lower-case words of the text, apostrophes dropped ("doesn't" -> "doesnt")."""
    if text.isascii() and "+" not in text:  # the same words, twice as fast: bytes are translated by table, not dict
        return text.encode("ascii").translate(_ASCII_WORDS, _ASCII_DROPPED).decode("ascii").split()
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


class Reader:
    """Reads the knowledge's slide texts into stems, each distinct text and word once.

    One reader serves one load: validation and indexing read the same slide
    sentences, so the second reading is a lookup. Only slide texts are given
    to it (never messages: what a person types is not kept), so the words it
    has read are the slides' words.
    """

    def __init__(self) -> None:
        self._stems: dict[str, tuple[str, ...]] = {}
        self._together: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._table = _StemTable({})
        self._earlier: set[str] = set()  # the words read with other forms

    @property
    def words_read(self) -> set[str]:
        """Every distinct word of the texts read so far."""
        return self._earlier | self._table.keys()

    def stems(self, text: str, forms: Mapping[str, str]) -> tuple[str, ...]:
        """The stems of `text`, as `stems` reads them."""
        if forms is not self._table.forms:
            self._read_with(forms)
        found = self._stems.get(text)
        if found is None:
            found = self._stems[text] = tuple(map(self._table.__getitem__, words(text)))
        return found

    def together(self, texts: tuple[str, ...], forms: Mapping[str, str]) -> tuple[str, ...]:
        """The distinct stems of all of `texts` (a slide's sentences), in no particular order."""
        if forms is not self._table.forms:
            self._read_with(forms)
        found = self._together.get(texts)
        if found is None:
            found = self._together[texts] = tuple(set(map(self._table.__getitem__, words(" ".join(texts)))))
        return found

    def _read_with(self, forms: Mapping[str, str]) -> None:
        if dict(forms) != dict(self._table.forms):  # other forms: earlier stems do not hold
            self._stems, self._together = {}, {}
        self._earlier |= self._table.keys()
        self._table = _StemTable(forms)


class _StemTable(dict[str, str]):
    """Word -> stem with one set of forms, each word stemmed on first sight."""

    def __init__(self, forms: Mapping[str, str]) -> None:
        super().__init__()
        self.forms = forms

    def __missing__(self, word: str) -> str:
        found = self[word] = stem(self.forms.get(word, word))
        return found


def sentences(text: str) -> list[str]:
    """The sentences of a slide text, each exactly as it stands in the text."""
    found, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        found.append(text[start : end.start(1)])
        start = end.end()
    found.append(text[start:])
    return [part for part in found if part]


def clauses(text: str, commas: bool = False, asides: bool = False) -> list[str]:
    """The clauses of a message, each ending with its mark: split after . ! ? ; : and line ends (and with `commas`,
    after commas and at a dash between spaces: "writing an essay - what's the link ..."; with `asides`, around
    words in brackets)."""
    parts = (_CLAUSE_COMMA if commas else _CLAUSE_END).split(text)
    if asides:
        parts = [aside for part in parts for aside in _ASIDE.split(part)]
    return [part for part in parts if part.strip()]


def pieces(text: str, size: int) -> list[str]:
    """The text cut into consecutive pieces of at most `size` characters, each after the last sentence end
    within it, else after its last space, else at `size`: a long message as the messages it could have been."""
    found, start = [], 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = max((end.end() for end in _PIECE_END.finditer(window)), default=0) or window.rfind(" ") + 1 or size
        found.append(window[:cut])
        start += cut
    return [*found, text[start:]]  # the rest, all of a short text


class Clauses:
    """The clauses (and, without commas, the sentences) of one message as word positions, each reading split once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._read: dict[bool, tuple[list[int], list[tuple[int, int, bool]], int]] = {}

    def of(self, position: int, commas: bool = True) -> tuple[int, int, bool]:
        """The word positions (start, end not included) of the clause (or, without `commas`, the sentence)
        holding word `position`, and whether it asks."""
        starts, spans, words_in_all = self._read.get(commas) or self._split(commas)
        at = bisect_right(starts, position) - 1
        if at >= 0 and position < spans[at][1]:
            return spans[at]
        return 0, words_in_all, False

    def _split(self, commas: bool) -> tuple[list[int], list[tuple[int, int, bool]], int]:
        spans, start = [], 0
        for part in clauses(self.text, commas=commas, asides=commas):  # words in brackets are a clause of their own
            count = len(words(part))
            if count:
                spans.append((start, start + count, part.rstrip().endswith("?")))
            start += count
        read = self._read[commas] = ([span[0] for span in spans], spans, start)
        return read


_Y_BETWEEN_CONSONANTS = re.compile(r"(?<=[^aeiou])y(?=[^aeiou])")
_VOWELS = re.compile(r"[aeiouy]")
_VOWEL_RUN = re.compile(r"[aeiouy]+")


def phonetic_key(word: str) -> str:
    """A rough sound-alike key, so "lymf" finds "lymph", "boan" finds "bone", "liva" finds "liver",
    "simtoms" finds "symptoms" and "radiashun" finds "radiation"."""
    key = word.replace("ph", "f").replace("ck", "k").replace("z", "s").replace("oa", "o").replace("ai", "a")
    key = _Y_BETWEEN_CONSONANTS.sub("i", key).replace("mpt", "mt")  # "simtoms" is "symptoms"
    key = key.replace("tion", "shun").replace("sion", "shun")
    key = re.sub(r"(.)\1+", r"\1", key)
    if len(key) > 3 and key.endswith("er"):  # said without the r ("liva", "canca")
        key = key[:-2] + "a"
    if len(key) > 4 and key.endswith("es"):  # "bones" and "boans" both sound "bons"
        return key[:-2] + "s"
    return key[:-1] if len(key) > 3 and key.endswith("e") else key


def vowel_key(word: str) -> str:
    """The sound-alike key with every run of vowels read as one vowel sound, for writers who spell by ear
    ("ploorul" and "pleural" both read "plaral")."""
    return _VOWEL_RUN.sub("a", phonetic_key(word))


def holds(sequence: Sequence[str], phrase: tuple[str, ...]) -> bool:
    """Whether the words of `phrase` stand together in `sequence`."""
    size, first, start = len(phrase), phrase[0], 0
    while True:  # only where its first word stands
        try:
            start = sequence.index(first, start)
        except ValueError:
            return False
        if tuple(sequence[start : start + size]) == phrase:
            return True
        start += 1


def consonants(word: str) -> str:
    """The word with the vowels after its first letter left out, as text-speak writes it ("brst" for "breast")."""
    return word[:1] + _VOWELS.sub("", word[1:])
